#!/usr/bin/env bash
# Runs INSIDE the throwaway VM (scripts/demo.sh boots it): lvsctl's main job on a real IPVS
# kernel — plan, apply, a second plan that is empty, the live table read back, then a change.
set -euo pipefail
cd "$(dirname "$0")/.."
lvsctl=.build/debug/lvsctl
export HOME=/tmp
modprobe ip_vs

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "plan: what apply would do to an empty kernel"
$lvsctl plan -f examples/nat-web-farm.yaml || true
step "apply"
$lvsctl apply -f examples/nat-web-farm.yaml --yes
step "a second plan is empty (exit 0 with --detailed-exitcode)"
$lvsctl plan -f examples/nat-web-farm.yaml --detailed-exitcode
step "the kernel, as ipvsadm sees it"
ipvsadm -Ln
step "the kernel, as lvsctl get sees it (a config you can apply)"
$lvsctl get
step "switching to the DR example: services replaced, nothing outside the file kept"
$lvsctl apply -f examples/dr-weighted-persistent.yaml --yes --allow-mass-delete
ipvsadm -Ln --thresholds
