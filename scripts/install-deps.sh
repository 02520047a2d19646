#!/usr/bin/env bash
# Installs what lvsctl needs to build and test, idempotently.
#   scripts/install-deps.sh          build + unit-test dependencies (libnl, libyaml; Python jsonschema and
#                                    yaml for the JSON Schema and deploy/ checks, systemd-analyze, bird2's
#                                    `bird -p`, keepalived and PyPI kubernetes-validate for deploy/)
#   scripts/install-deps.sh --vm     also the throwaway-VM kernel suite (qemu, kernel, virtme-ng, ipvsadm, iptables,
#                                    promtool from prometheus; gcc and bc for bench-health.sh, beside keepalived)
set -euo pipefail

build_packages=(pkg-config libnl-3-dev libnl-genl-3-dev libyaml-dev python3 python3-jsonschema python3-yaml python3-pip systemd
                bird2 keepalived)
vm_packages=(qemu-system-x86 linux-image-amd64 busybox-static ipvsadm iptables iproute2 curl kmod python3-pip prometheus gcc bc)

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

if ! command -v kubernetes-validate >/dev/null 2>&1; then
  echo "install-deps: installing kubernetes-validate"
  python3 -m pip install --quiet 'kubernetes-validate==1.37.0' || python3 -m pip install --quiet --break-system-packages 'kubernetes-validate==1.37.0'
fi

if [[ "${1:-}" == "--vm" ]] && ! command -v vng >/dev/null 2>&1; then
  echo "install-deps: installing virtme-ng"
  python3 -m pip install --quiet 'virtme-ng==1.42' || python3 -m pip install --quiet --break-system-packages 'virtme-ng==1.42'
fi
