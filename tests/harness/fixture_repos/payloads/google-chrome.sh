#!/bin/sh
# google-chrome: FIXTURE STUB (mlinabox tests/harness/fixture_repos) of Google Chrome @@CHROME@@.
case "${1:-}" in
    --version) echo "Google Chrome @@CHROME@@ " ;;   # the real output ends with a space
    --product-version) echo "@@CHROME@@" ;;
    *)
        echo "google-chrome: this is a test fixture stub of Google Chrome @@CHROME@@; it cannot browse" >&2
        exit 1 ;;
esac
