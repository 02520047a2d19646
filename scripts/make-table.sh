#!/usr/bin/env bash
# Prints an ipvsadm -R table for the benchmarks: SERVICES TCP services (VIPs in 198.51.100.0/24,
# ports from 1000), each with SERVERS NAT servers in 203.0.113.0/24 on port 8080, weights 1..SERVERS.
#
#   scripts/make-table.sh [SERVICES] [SERVERS]      defaults: 16000 4
set -euo pipefail
services=${1:-16000}
servers=${2:-4}
for ((i = 0; i < services; i++)); do
  svc="198.51.100.$((i % 250 + 1)):$((1000 + i / 250))"
  echo "-A -t $svc -s wlc"
  for ((s = 1; s <= servers; s++)); do
    echo "-a -t $svc -r 203.0.113.$s:8080 -m -w $s"
  done
done
