#!/usr/bin/env bash
# The kernel test suite, run INSIDE the VM against the test binary built on the host:
#
#   swift build --build-tests
#   scripts/vm-run.sh scripts/kernel-suite.sh
#
# The command-line tests run the lvsctl built beside the test bundle, or $LVSCTL_BINARY if set
# (scripts/test.sh sets it to the release build, scripts/build-release.sh).
#
# Loads IPVS and runs the kernel suites (Swift Testing): the adapter's (IPVSKernelTests), the
# command line's (ApplyKernelTests, RealServerKernelTests, TrafficKernelTests, ReconcileKernelTests,
# HealthKernelTests, ECMPKernelTests, PairKernelTests: a keepalived pair, which needs Debian keepalived on
# the host) and the host
# reader's (InterfaceDumpKernelTests) and the host script's (HostScriptKernelTests), one test at a time since they share the kernel. Extra
# arguments replace the filter (e.g. --filter ApplyKernelTests).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
scratch=${LVSCTL_SCRATCH:-$repo/.build}
binary=$scratch/debug/lvsctlPackageTests.xctest

[[ -x $binary ]] || { echo "kernel-suite: $binary missing; build it on the host first (see the header of this script)" >&2; exit 2; }

modprobe ip_vs
export LVSCTL_KERNEL_TESTS=1
# Keep writes of the test run (Foundation's caches) off the read-only host file system.
export HOME=${TMPDIR:-/tmp}

if (($#)); then
  exec "$binary" --testing-library swift-testing --no-parallel "$@"
else
  exec "$binary" --testing-library swift-testing --no-parallel --filter 'IPVSKernelTests\.KernelTests' --filter 'LVSCtlTests\.ApplyKernelTests' \
    --filter 'LVSCtlTests\.RealServerKernelTests' --filter 'LVSCtlTests\.TrafficKernelTests' --filter 'LVSCtlTests\.ReconcileKernelTests' \
    --filter 'LVSCtlTests\.HealthKernelTests' --filter 'LVSCtlTests\.ECMPKernelTests' --filter 'LVSCtlTests\.PairKernelTests' \
    --filter 'LVSHostTests\.InterfaceDumpKernelTests' --filter 'LVSHostTests\.HostScriptKernelTests'
fi
