#!/usr/bin/env bash
# lvsctl's main job, end to end, for a newcomer: build, check every example, and run lvsctl
# against a real IPVS kernel inside a throwaway VM.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --vm
swift build
for example in examples/*.yaml; do .build/debug/lvsctl validate -f "$example"; done
scripts/vm-run.sh -- scripts/demo-in-vm.sh
