#!/usr/bin/env bash
# Read benchmark: a full snapshot() through the adapter against `ipvsadm -Sn` and
# `cat /proc/net/ip_vs`, on a kernel table of 16,000 services × 4 servers.
#
#   scripts/bench-read.sh [RUNS]       on the host: builds lvsctl-bench as lvsctl is built for a
#                                      director (scripts/build-release.sh), boots the VM
#   scripts/bench-read.sh --inside N BENCH     (what runs in the VM)
#
# Each of the three readers runs RUNS times (default 5), alternating; every time is the wall
# time of the whole command, process start included. Prints the medians, the ratios and the
# adapter's peak memory.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
scratch=${LVSCTL_SCRATCH:-$repo/.build-kernel}
services=16000
servers_per_service=4

if [[ ${1:-} != --inside ]]; then
  runs=${1:-5}
  bench=$(LVSCTL_SCRATCH=$scratch "$repo/scripts/build-release.sh" lvsctl-bench)
  exec "$repo/scripts/vm-run.sh" --memory 2G -- "$repo/scripts/bench-read.sh" --inside "$runs" "$bench"
fi
runs=$2
# Both programs run from the VM's memory, as from a director's disk: run over the 9p share that
# holds this checkout, every start of the 13 MB lvsctl-bench reads its pages again (≈ 0.2 s).
programs=$(mktemp -d)
cp "$3" "$(command -v ipvsadm)" "$programs/"
bench=$programs/lvsctl-bench
ipvsadm=$programs/ipvsadm

modprobe ip_vs
ipvsadm -C
echo "VM: $(uname -r), $(nproc) CPUs"

echo "filling: $services services x $servers_per_service servers (ipvsadm -R)"
fill_start=$(date +%s.%N)
"$repo/scripts/make-table.sh" "$services" "$servers_per_service" | ipvsadm -R
echo "filled in $(echo "$(date +%s.%N) - $fill_start" | bc) s: $(grep -c '^TCP' /proc/net/ip_vs) services"

declare -a t_snapshot t_ipvsadm t_procfs
# The same clock around every reader: OUTPUT, then the command.
wall() { local output=$1 start end; shift; start=$(date +%s.%N); "$@" > "$output"; end=$(date +%s.%N); echo "$end - $start" | bc; }
report=$(mktemp)

for ((run = 1; run <= runs; run++)); do
  t_snapshot+=("$(wall "$report" "$bench")")
  line=$(cat "$report")
  t_ipvsadm+=("$(wall /dev/null "$ipvsadm" -Sn)")
  t_procfs+=("$(wall /dev/null cat /proc/net/ip_vs)")
  echo "run $run: lvsctl-bench ${t_snapshot[-1]} s ($line) | ipvsadm -Sn ${t_ipvsadm[-1]} s | cat /proc/net/ip_vs ${t_procfs[-1]} s"
done

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
m_snapshot=$(median "${t_snapshot[@]}")
m_ipvsadm=$(median "${t_ipvsadm[@]}")
m_procfs=$(median "${t_procfs[@]}")
echo
echo "median snapshot()        : $m_snapshot s"
echo "median ipvsadm -Sn       : $m_ipvsadm s"
echo "median cat /proc/net/ip_vs: $m_procfs s"
echo "snapshot / ipvsadm       : $(echo "scale=3; $m_snapshot / $m_ipvsadm" | bc)  (goal <= 0.2)"
echo "snapshot / procfs        : $(echo "scale=3; $m_snapshot / $m_procfs" | bc)  (goal <= 3)"
echo "adapter peak memory      : $(sed -n 's/.*maxrss_kib=\([0-9]*\).*/\1/p' <<< "$line") KiB"
