#!/usr/bin/env bash
# The reconcile daemon on a table of 16,000 services x 4 servers with no drift, in the VM:
#   - wall time and CPU time per tick over TICKS ticks, against `cat /proc/net/ip_vs` of the same
#     table in the same run (aim: a tick at or below 1.5x the procfs walk);
#   - resident memory at the first and the last tick (aim: flat, under 100 MB);
#   - the time to serve /metrics for the 64,000 servers (aim: under 1 s), between ticks and while
#     ticks follow each other.
#
#   scripts/bench-reconcile.sh [TICKS]               on the host: builds lvsctl as for a director
#                                                    (scripts/build-release.sh), boots the VM
#   scripts/bench-reconcile.sh --inside N LVSCTL     (what runs in the VM)
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
services=16000
servers_per_service=4
port=19743

if [[ ${1:-} != --inside ]]; then
  ticks=${1:-50}
  lvsctl=$("$repo/scripts/build-release.sh")
  exec "$repo/scripts/vm-run.sh" --memory 2G -- "$repo/scripts/bench-reconcile.sh" --inside "$ticks" "$lvsctl"
fi
ticks=$2
work=$(mktemp -d)
# Run from the VM's memory, as from a director's disk (see bench-apply.sh).
cp "$3" "$work/"
lvsctl=$work/lvsctl
export HOME=$work
modprobe ip_vs
ns=bench-reconcile
ip netns add "$ns"
ip -n "$ns" link set lo up
in_ns() { ip netns exec "$ns" "$@"; }

"$repo/scripts/make-table.sh" "$services" "$servers_per_service" > "$work/table.ipvsadm"
"$lvsctl" import "$work/table.ipvsadm" > "$work/table.yaml"
in_ns "$lvsctl" apply -f "$work/table.yaml" --yes --allow-mass-delete --lock-file "$work/lock" > /dev/null
echo "table: $services services x $servers_per_service servers, applied"
# `cat /proc/net/ip_vs` of the same table, five times before the daemon starts and five times
# after it stops: a walk takes 1.4 s one minute and 2.1 s the next in the emulated VM, and the
# median of both spells is steadier than either.
declare -a t_procfs
procfs_walks() {
  local start
  for _ in 1 2 3 4 5; do
    start=$(date +%s.%N); in_ns cat /proc/net/ip_vs > /dev/null; t_procfs+=("$(echo "$(date +%s.%N) - $start" | bc)")
  done
}
procfs_walks

# The daemon ticks back to back: each tick is longer than the interval.
# `ip netns exec` becomes lvsctl (exec), so $! is the daemon's pid.
ip netns exec "$ns" "$lvsctl" reconcile -f "$work/table.yaml" --interval 1 --listen "127.0.0.1:$port" --lock-file "$work/lock" 2> "$work/log" &
pid=$!
ticks_done() { grep -c 'msg=reconcile ' "$work/log" || true; }
cpu_seconds() { awk -v hz="$(getconf CLK_TCK)" '{ print ($14 + $15) / hz }' "/proc/$pid/stat"; }
# Resident memory rises during a tick (the table read) and falls after it (malloc_trim), and ticks
# follow each other, so what stays between ticks shows for moments: it is sampled every 0.02 s for
# 7 s (three ticks or more), keeping the lowest (what stays between ticks) and the highest, in MiB,
# without starting a process per sample.
exec 9<> <(:)
page_kib=$(($(getconf PAGESIZE) / 1024))
rss_window() {
  local end=$((${EPOCHREALTIME/./} + 7000000)) resident
  rss_low=$((1 << 40)); rss_high=0
  while ((${EPOCHREALTIME/./} < end)); do
    read -r _ resident _ < "/proc/$pid/statm"
    ((resident < rss_low)) && rss_low=$resident
    ((resident > rss_high)) && rss_high=$resident
    read -r -t 0.02 -u 9 || true
  done
  rss_low=$((rss_low * page_kib / 1024)); rss_high=$((rss_high * page_kib / 1024))
}

until (($(ticks_done) >= 1)); do sleep 0.2; done
cpu_first=$(cpu_seconds); wall_first=$(date +%s.%N)
rss_window; rss_first="$rss_low / $rss_high"
until (($(ticks_done) >= ticks + 1)); do sleep 0.2; done
cpu_last=$(cpu_seconds); wall_last=$(date +%s.%N)
rss_window; rss_last="$rss_low / $rss_high"
growth_low=$(echo "scale=1; 100 * ($rss_low - ${rss_first%% *}) / ${rss_first%% *}" | bc)
growth_high=$(echo "scale=1; 100 * ($rss_high - ${rss_first##* }) / ${rss_first##* }" | bc)
# The metrics endpoint, scraped as Prometheus would: to /dev/null, since what is measured is
# serving, not the VM writing 100 MB to its overlay disk.
# $1 scrapes: their seconds appended to the array named $2, the size kept in $metrics_bytes.
scrapes() {
  local -n times=$2
  local seconds n
  for ((n = 0; n < $1; n++)); do
    read -r seconds metrics_bytes < <(in_ns curl -s -m 120 -o /dev/null -w '%{time_total} %{size_download}\n' "http://127.0.0.1:$port/metrics")
    times+=("$seconds")
  done
}
# While ticks follow each other (both CPUs busy with them): /healthz, then /metrics.
declare -a t_healthz
for _ in 1 2 3 4 5; do
  t_healthz+=("$(in_ns curl -s -m 60 -o /dev/null -w '%{time_total}' "http://127.0.0.1:$port/healthz")")
done
declare -a t_metrics
scrapes 3 t_metrics
kill -TERM "$pid"; wait "$pid" || true
# Between ticks, as at the default interval of 30 s: a daemon of its own that ticks once in the
# time measured. Its first scrape makes the labels; the next three reuse them.
ip netns exec "$ns" "$lvsctl" reconcile -f "$work/table.yaml" --interval 5m --listen "127.0.0.1:$port" --lock-file "$work/lock" 2> "$work/log-idle" &
pid=$!
until grep -q 'msg=reconcile ' "$work/log-idle"; do sleep 0.2; done
declare -a t_idle_first t_idle
scrapes 1 t_idle_first
scrapes 3 t_idle
kill -TERM "$pid"; wait "$pid" || true

grep -q 'outcome=applied\|outcome=failed\|outcome=refused' "$work/log" && { echo "drift or errors during the run:"; grep -v 'outcome=unchanged' "$work/log" | head; }
procfs_walks

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# The ticks of the window measured above (the second to the last counted): the later ones share
# the CPUs with the memory sampling and the scrapes.
durations=$(grep 'msg=reconcile ' "$work/log" | sed -n "2,$((ticks + 1))p" | sed 's/.*duration_seconds=\([0-9.]*\).*/\1/')
# shellcheck disable=SC2086
m_tick=$(median $durations)
m_procfs=$(median "${t_procfs[@]}")
per_tick_wall=$(echo "scale=3; ($wall_last - $wall_first) / $ticks" | bc)
per_tick_cpu=$(echo "scale=3; ($cpu_last - $cpu_first) / $ticks" | bc)
echo
echo "ticks measured                   : $ticks (no drift)"
echo "median reconcile (engine)        : $m_tick s"
echo "wall time per tick (loop)        : $per_tick_wall s"
echo "CPU time per tick                : $per_tick_cpu s"
echo "median cat /proc/net/ip_vs (10)  : $m_procfs s"
echo "reconcile / procfs               : $(echo "scale=3; $m_tick / $m_procfs" | bc)  (aim <= 1.5)"
echo "resident memory (MiB, low / high over 7 s)"
echo "  from tick 1                    : $rss_first"
echo "  from tick $((ticks + 1))                   : $rss_last  (growth $growth_low % / $growth_high %; aim: flat, under 5 %, < 100 MB)"
echo "/healthz during back-to-back ticks: $(median "${t_healthz[@]}") s (median), $(printf '%s\n' "${t_healthz[@]}" | sort -g | tail -n 1) s (slowest of 5)"
echo "/metrics ($metrics_bytes bytes)"
echo "  between ticks (median)         : $(median "${t_idle[@]}") s  (aim < 1; first scrape, making the labels: ${t_idle_first[0]} s)"
echo "  during back-to-back ticks      : $(median "${t_metrics[@]}") s"
