"""Offline stand-in for ansible-test's pip bootstrap script (get-pip.py), which it downloads from a
host this machine cannot reach. ansible-test runs it as `python get_pip.py [pip options] pip==X ...`:
bootstrap pip with ensurepip, then let that pip install the requested packages from PyPI."""

import subprocess
import sys

subprocess.check_call([sys.executable, "-m", "ensurepip", "--upgrade", "--default-pip"])
args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
subprocess.check_call([sys.executable, "-m", "pip", "install", *args])
