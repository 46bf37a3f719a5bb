#!/bin/sh
# code: FIXTURE STUB (mlinabox tests/harness/fixture_repos) of Visual Studio Code @@CODE@@.
case "${1:-}" in
    --version|-v)
        echo "@@CODE@@"
        echo "@@COMMIT@@"
        echo "x64" ;;
    --list-extensions) ;;
    *)
        echo "code: this is a test fixture stub of Visual Studio Code @@CODE@@; it cannot edit" >&2
        exit 1 ;;
esac
