#!/usr/bin/env bash
# The tests, as CI runs them: go vet, the Debian package's check, every
# package's tests, then a second,
# loaded pass of the packages whose tests wait on processes, kernel events,
# signals or time, with GOMAXPROCS=1 and one CPU hog (yes >/dev/null) per
# core, so that a test assuming an idle machine fails here rather than on a
# user's busy one. The loaded pass uses -short (the tests that trace every
# fixture, train models of the fixtures or evaluate ADFA-LD ran in the first
# pass) to keep CI within 10 minutes. Arguments are passed to both go test runs (for example -v).
set -euo pipefail
cd "$(dirname "$0")/.."

go vet ./...
# The Debian package: built, installed, its detector, unit and man page
# checked, then removed (needs root and dpkg; it says so and skips without).
scripts/check-package.sh
# -timeout bounds a hung package; the root package's tests trace every
# fixture and take more than go test's default 10 minutes on a loaded
# machine.
go test -timeout 30m "$@" ./...

# The loaded pass. The hogs are killed however the pass ends.
loaded=(. ./sandbox ./procmetrics ./bpftrace ./monitor ./samples ./pipeline ./internal/safefile)
hogs=()
stop_hogs() {
  if [ "${#hogs[@]}" -gt 0 ]; then
    kill "${hogs[@]}" 2>/dev/null || true
    wait "${hogs[@]}" 2>/dev/null || true
  fi
}
trap stop_hogs EXIT
trap 'exit 130' INT TERM
cores=$(nproc)
for _ in $(seq "$cores"); do
  yes >/dev/null &
  hogs+=("$!")
done
echo "test: second pass: GOMAXPROCS=1, $cores busy cores" >&2
# GOMAXPROCS=1 holds for the go command too, which would then build and
# run one package at a time: -p runs as many test binaries at once as the
# first pass did (each still with GOMAXPROCS=1), which loads the machine
# more, not less.
GOMAXPROCS=1 go test -p "$cores" -short -count=1 -timeout 20m "$@" "${loaded[@]}"
