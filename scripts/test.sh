#!/usr/bin/env bash
# The project's test command (README, .ci/run): installs what it needs, runs the unit tests on
# the host, then the kernel suite inside a throwaway VM with a real IPVS kernel.
#   scripts/test.sh            everything
#   scripts/test.sh --unit     host unit tests only (no VM)
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ "${1:-}" == "--unit" ]]; then
  scripts/install-deps.sh
else
  scripts/install-deps.sh --vm
fi

swift build --build-tests
swift test --skip-build
scripts/check-deploy.sh

if [[ "${1:-}" != "--unit" ]]; then
  # The kernel suite's command-line tests run lvsctl as it ships to a director.
  lvsctl=$(scripts/build-release.sh)
  scripts/vm-run.sh -- env LVSCTL_BINARY="$lvsctl" scripts/kernel-suite.sh
fi
