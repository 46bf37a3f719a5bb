#!/bin/sh
# nvidia-smi: FIXTURE STUB (mlinabox tests/harness/fixture_repos) of driver @@V@@.
# Behaves as nvidia-smi does where no NVIDIA kernel driver is loaded: message and exit code 9.
echo "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure that the latest NVIDIA driver is installed and running."
echo
exit 9
