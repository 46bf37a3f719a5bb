"""verify.yml's JupyterLab check: the API refuses a request without the token and answers with it.
Usage: python3 - <base url> <token file>   (the script comes on standard input)."""
import sys
import urllib.error
import urllib.request


def status(url, headers):
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


url = sys.argv[1] + "/api/status"
with open(sys.argv[2]) as handle:
    token = handle.read().strip()
anonymous = status(url, {})
authorised = status(url, {"Authorization": "token " + token})
print(f"JupyterLab at {sys.argv[1]}: {anonymous} without the token, {authorised} with it")
sys.exit(0 if anonymous in (401, 403) and authorised == 200 else 1)
