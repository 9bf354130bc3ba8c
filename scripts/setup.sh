#!/usr/bin/env bash
# Set up a fresh Debian machine for detector: strace (the tracer), unzip
# (for the ADFA-LD benchmark), gcc, libc6-dev and liburing-dev (a test's
# static helper), systemd and man-db (to check the package's unit and man
# page) and the Go modules pinned in go.mod. Safe to
# run again; it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=""
command -v strace >/dev/null 2>&1 || missing="$missing strace"
command -v unzip >/dev/null 2>&1 || missing="$missing unzip" # for bench/adfa.sh
# The static helper of the resolved-object tests (testdata/resolved/evade.c):
# a C compiler, the static C library and liburing.
command -v cc >/dev/null 2>&1 || missing="$missing gcc"
[ -e /usr/lib/x86_64-linux-gnu/libc.a ] || [ "$(uname -m)" != x86_64 ] || missing="$missing libc6-dev"
[ -e /usr/include/liburing.h ] || missing="$missing liburing-dev"
# for scripts/check-package.sh: systemd-analyze verify on the unit, man on the page
command -v systemd-analyze >/dev/null 2>&1 || missing="$missing systemd"
command -v man >/dev/null 2>&1 || missing="$missing man-db"
command -v auditctl >/dev/null 2>&1 || missing="$missing auditd" # for BenchmarkMonitorCost's auditd side
# the network tools the attack scenarios of bench/ run (bench/run.sh)
for t in nc:netcat-openbsd socat:socat dig:dnsutils ping:iputils-ping ftp:tnftp xclip:xclip; do
  command -v "${t%%:*}" >/dev/null 2>&1 || missing="$missing ${t#*:}"
done
if [ -n "$missing" ]; then
  echo "setup: installing$missing" >&2
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq $missing >/dev/null
fi
command -v go >/dev/null 2>&1 || { echo "setup: Go 1.26 or later is needed (https://go.dev/dl/)" >&2; exit 1; }
go mod download
