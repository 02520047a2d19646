#!/usr/bin/env bash
# The health checker on 10,000 distinct TCP targets at a 2 s interval (timeout 1 s), in the VM,
# against Debian's keepalived (TCP_CHECK, delay_loop 2, connect_timeout 1) on the same targets
# in the same run. The targets are 500 TEST-NET addresses (198.51.100.1-250, 203.0.113.1-250,
# made local in a namespace) x 20 ports; one listener (a small C program) accepts on all of them
# and notes when each (address, port) was connected to. From those times, the same way for both:
#   - whether every target was checked every interval (no gap above 1.5 intervals);
#   - the 99th percentile of a check's lateness: the gap between consecutive checks of a target
#     minus the 2 s interval;
#   - the checker's CPU (utime + stime from /proc, all its processes) as % of one core over the
#     measured window, and its peak resident memory (VmHWM, summed over its processes).
# Aim: p99 lateness < 250 ms, CPU < 25 % of one core, and ahead of keepalived on both. First, the
# floor: the CPU a minimal C client spends on one connect to the same listener.
#
#   scripts/bench-health.sh [SECONDS [PORTS]]          on the host: builds lvsctl-bench as it ships
#                                                      (scripts/build-release.sh), boots the VM;
#                                                      PORTS per address (default 20: 10,000 targets)
#   scripts/bench-health.sh --inside SECONDS PORTS BENCH   (what runs in the VM)
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
interval=2
warmup=6

if [[ ${1:-} != --inside ]]; then
  seconds=${1:-40}
  bench=$("$repo/scripts/build-release.sh" lvsctl-bench)
  exec "$repo/scripts/vm-run.sh" --memory 2G -- "$repo/scripts/bench-health.sh" --inside "$seconds" "${2:-20}" "$bench"
fi
seconds=$2
work=$(mktemp -d)
cp "$4" "$work/"
bench=$work/lvsctl-bench
modprobe ip_vs
ns=bench-health
ip netns del "$ns" 2>/dev/null || true
ip netns add "$ns"
ip -n "$ns" link set lo up
in_ns() { ip netns exec "$ns" "$@"; }
in_ns sysctl -q -w net.core.somaxconn=65535 net.ipv4.tcp_max_syn_backlog=65535 net.ipv4.tcp_tw_reuse=1 \
  net.ipv4.ip_local_port_range="10000 60999"
ports=$(seq 20001 $((20000 + $3)))
for prefix in 198.51.100 203.0.113; do ip -n "$ns" route add local "$prefix.0/24" dev lo; done
for prefix in 198.51.100 203.0.113; do
  for host in $(seq 1 250); do for port in $ports; do echo "$prefix.$host $port"; done; done
done > "$work/targets"
echo "targets: $(wc -l < "$work/targets") (500 addresses x $3 ports), interval ${interval} s, ${seconds} s per checker"

cc -O2 -o "$work/listener" -x c - <<'C'
/* Accepts on 0.0.0.0 at each port given, closes at once, and on SIGTERM prints one line per
 * connection: ADDRESS PORT SECONDS (the local address connected to, CLOCK_MONOTONIC). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>
struct hit { unsigned addr; unsigned short port; double at; };
static volatile sig_atomic_t stop;
static void on_term(int sig) { (void)sig; stop = 1; }
int main(int argc, char **argv) {
  size_t cap = 1 << 20, n = 0;
  struct hit *hits = malloc(cap * sizeof *hits);
  int ep = epoll_create1(0);
  for (int i = 1; i < argc; i++) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(atoi(argv[i])) };
    if (bind(fd, (struct sockaddr *)&a, sizeof a) || listen(fd, 65535)) { perror("listen"); return 1; }
    struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
  }
  struct sigaction sa = { .sa_handler = on_term };
  sigaction(SIGTERM, &sa, NULL);
  struct epoll_event events[64];
  while (!stop) {
    int ready = epoll_wait(ep, events, 64, 200);
    for (int e = 0; e < ready; e++) {
      int c;
      while ((c = accept4(events[e].data.fd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
        struct sockaddr_in local; socklen_t len = sizeof local;
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        getsockname(c, (struct sockaddr *)&local, &len);
        close(c);
        if (n == cap) hits = realloc(hits, (cap *= 2) * sizeof *hits);
        hits[n++] = (struct hit){ ntohl(local.sin_addr.s_addr), ntohs(local.sin_port), now.tv_sec + now.tv_nsec / 1e9 };
      }
    }
  }
  for (size_t i = 0; i < n; i++)
    printf("%u.%u.%u.%u %u %.6f\n", hits[i].addr >> 24, (hits[i].addr >> 16) & 255, (hits[i].addr >> 8) & 255,
           hits[i].addr & 255, hits[i].port, hits[i].at);
  return 0;
}
C

{
  echo 'global_defs { router_id bench }'
  for port in $ports; do
    echo "virtual_server 192.0.2.1 $port {"
    echo "  delay_loop $interval"
    echo "  lb_algo rr"
    echo "  lb_kind NAT"
    echo "  protocol TCP"
    grep " $port\$" "$work/targets" | while read -r address _; do
      printf '  real_server %s %s {\n    weight 1\n    TCP_CHECK {\n      connect_timeout 1\n    }\n  }\n' "$address" "$port"
    done
    echo "}"
  done
} > "$work/keepalived.conf"

cpu_ticks() { local total=0; for p in "$@"; do total=$((total + $(awk '{ print $14 + $15 }' "/proc/$p/stat"))); done; echo "$total"; }
peak_kib() { local total=0; for p in "$@"; do total=$((total + $(awk '/VmHWM/ { print $2 }' "/proc/$p/status"))); done; echo "$total"; }
now() { date +%s.%N; }

# measure NAME PID...: CPU over [warmup, seconds - 2] and peak memory, into $work/NAME.usage.
# The analysis takes the same window of the listener's times: from `warmup` after the first
# connection to 2 s before the last.
measure() {
  local name=$1; shift
  sleep "$warmup"
  local c0 w0; c0=$(cpu_ticks "$@"); w0=$(now)
  sleep $((seconds - warmup - 2))
  local c1 w1 peak; c1=$(cpu_ticks "$@"); w1=$(now); peak=$(peak_kib "$@")
  echo "$(echo "scale=1; 100 * ($c1 - $c0) / $(getconf CLK_TCK) / ($w1 - $w0)" | bc) $((peak / 1024))" > "$work/$name.usage"
}

# Started with `ip netns exec` itself, not `in_ns`: backgrounding a function forks a shell, and $!
# would be that shell's pid, not the program's.
listen_start() { ip netns exec "$ns" "$work/listener" $ports > "$work/$1.hits" & listener=$!; sleep 0.5; }
listen_stop() { kill -TERM "$listener"; wait "$listener" || true; }

# The floor: what one connect costs the connecting process (mostly the kernel's work on both ends
# of the handshake and the reset), with a minimal C client, one connect at a time.
cc -O2 -o "$work/floor" -x c - <<'C'
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <unistd.h>
int main(int argc, char **argv) {
  int n = atoi(argv[2]), port = atoi(argv[3]), ep = epoll_create1(0);
  struct rusage r0, r1;
  getrusage(RUSAGE_SELF, &r0);
  for (int i = 0; i < n; i++) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), e = 0;
    struct linger reset = { 1, 0 };
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
    inet_pton(AF_INET, argv[1], &a.sin_addr);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0 && errno == EINPROGRESS) {
      struct epoll_event ev = { .events = EPOLLOUT | EPOLLONESHOT, .data.fd = fd }, out;
      epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
      epoll_wait(ep, &out, 1, 1000);
      socklen_t len = sizeof e;
      getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &len);
    }
    close(fd);
  }
  getrusage(RUSAGE_SELF, &r1);
  double used = (r1.ru_utime.tv_sec - r0.ru_utime.tv_sec) + (r1.ru_stime.tv_sec - r0.ru_stime.tv_sec)
              + ((r1.ru_utime.tv_usec - r0.ru_utime.tv_usec) + (r1.ru_stime.tv_usec - r0.ru_stime.tv_usec)) / 1e6;
  printf("floor: a minimal C client spends %.0f us of CPU on each connect (%d connects)\n", used * 1e6 / n, n);
  return 0;
}
C
listen_start floor
ip netns exec "$ns" "$work/floor" 198.51.100.1 3000 20001
listen_stop

# lvsctl: `ip netns exec` becomes the program (exec), so $! is its pid.
listen_start lvsctl
ip netns exec "$ns" "$bench" health "$work/targets" $((seconds + 1)) > "$work/lvsctl.out" &
pid=$!
measure lvsctl "$pid"
wait "$pid"
listen_stop
cat "$work/lvsctl.out"

listen_start keepalived
ip netns exec "$ns" keepalived --dont-fork --log-console --check -f "$work/keepalived.conf" -p "$work/keepalived.pid" \
  -c "$work/checkers.pid" > "$work/keepalived.log" 2>&1 &
parent=$!
for _ in $(seq 300); do [[ -s $work/checkers.pid ]] && break; sleep 0.2; done
[[ -s $work/checkers.pid ]] || { echo "keepalived did not start its checker:"; tail "$work/keepalived.log"; exit 1; }
measure keepalived "$parent" "$(cat "$work/checkers.pid")"
kill -TERM "$parent"; wait "$parent" || true
listen_stop

/usr/bin/python3 - "$work" "$interval" "$warmup" <<'PY'
import sys
from collections import defaultdict
work, interval, warmup = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
targets = {tuple(line.split()) for line in open(f"{work}/targets")}
print()
print("| checker | targets checked every interval | p50 / p99 / max lateness | CPU (% of one core) | peak memory |")
print("| --- | --- | --- | --- | --- |")
for name in ("lvsctl", "keepalived"):
    cpu, mib = open(f"{work}/{name}.usage").read().split()
    hits = [line.split() for line in open(f"{work}/{name}.hits")]
    if not hits:
        print(f"| {name} | no connection seen | | {cpu} % | {mib} MiB |")
        continue
    start = min(float(at) for _, _, at in hits) + warmup
    end = max(float(at) for _, _, at in hits) - 2
    times = defaultdict(list)
    for address, port, at in hits:
        if start <= float(at) <= end:
            times[(address, port)].append(float(at))
    every, lateness = 0, []
    for target in targets:
        seen = sorted(times.get(target, []))
        gaps = [b - a for a, b in zip(seen, seen[1:])]
        lateness += [gap - interval for gap in gaps]
        edges = [seen[0] - start, end - seen[-1]] if seen else [end - start]
        if all(gap <= 1.5 * interval for gap in gaps + edges):
            every += 1
    lateness.sort()
    pick = lambda q: lateness[min(len(lateness) - 1, int(len(lateness) * q))] * 1000 if lateness else float("nan")
    print(f"| {name} | {every} of {len(targets)} | {pick(0.5):.0f} / {pick(0.99):.0f} / {lateness[-1] * 1000 if lateness else 0:.0f} ms "
          f"| {cpu} % | {mib} MiB |")
    print(f"|   (window {end - start:.0f} s, {sum(map(len, times.values()))} checks seen) | | | | |")
PY
