#!/usr/bin/env bash
# Installs what lvsctl needs to build and test, idempotently.
#   scripts/install-deps.sh          build + unit-test dependencies (libnl, libyaml; Python jsonschema and
#                                    yaml for the JSON Schema and deploy/ checks, systemd-analyze, keepalived)
#   scripts/install-deps.sh --vm     also the throwaway-VM kernel suite (qemu, kernel, virtme-ng, ipvsadm, iptables,
#                                    promtool from prometheus)
set -euo pipefail

build_packages=(pkg-config libnl-3-dev libnl-genl-3-dev libyaml-dev python3 python3-jsonschema python3-yaml systemd keepalived)
vm_packages=(qemu-system-x86 linux-image-amd64 busybox-static ipvsadm iptables iproute2 curl kmod python3-pip prometheus)

want=("${build_packages[@]}")
if [[ "${1:-}" == "--vm" ]]; then want+=("${vm_packages[@]}"); fi

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

sudo=""
if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi

if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [[ "${1:-}" == "--vm" ]] && ! command -v vng >/dev/null 2>&1; then
  echo "install-deps: installing virtme-ng"
  python3 -m pip install --quiet 'virtme-ng==1.42' || python3 -m pip install --quiet --break-system-packages 'virtme-ng==1.42'
fi
