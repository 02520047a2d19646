#!/usr/bin/env bash
# Runs a command as root inside a throwaway VM booted from the newest Debian amd64 kernel in
# /boot, with software emulation (KVM hangs on these machines). The VM sees the host's files
# read-only, except vm-results/ under the repository, which it can write.
#
#   scripts/vm-run.sh [--memory SIZE] -- COMMAND [ARG...]
#   scripts/vm-run.sh [--memory SIZE] 'COMMAND STRING'
#
# The command runs in the repository root. Its output is printed and its exit code returned.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
memory=1G

usage() { sed -n '2,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2; }

while (($#)); do
  case $1 in
    --memory) [[ $# -ge 2 ]] || usage; memory=$2; shift 2 ;;
    --) shift; break ;;
    -h|--help) usage ;;
    *) break ;;
  esac
done
(($#)) || usage

if (($# == 1)); then command=$1; else printf -v command '%q ' "$@"; fi

"$repo/scripts/install-deps.sh" --vm >&2

newest_kernel() { ls -1 /boot/vmlinuz-*-amd64 2>/dev/null | sort -V | tail -n 1; }
kernel=$(newest_kernel)
if [[ -z $kernel ]]; then
  echo "vm-run: no /boot/vmlinuz-*-amd64, installing linux-image-amd64" >&2
  sudo=""; [[ $(id -u) -eq 0 ]] || sudo=sudo
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends linux-image-amd64 >/dev/null
  kernel=$(newest_kernel)
fi

results="$repo/vm-results"
mkdir -p "$results"
echo "vm-run: booting $(basename "$kernel") (${memory}) to run: $command" >&2

cd "$repo"
# Both streams through a pipe: when they are a file, the VM's console reopens and truncates
# it, and a log of a whole test run would lose everything printed before the VM started.
set +e
vng --disable-kvm --force-9p --run "$kernel" --user root --memory "$memory" --rwdir "$results" \
  -- "cd $(printf '%q' "$repo") && $command" 2>&1 | cat
status=${PIPESTATUS[0]}
set -e
echo "vm-run: exit code $status" >&2
exit "$status"
