#!/bin/sh
# Measures monitor with a host-learned profile model (README, "Learning a
# host's programs"): it learns the host with the ebpf source for LEARN
# seconds while a scripted developer workload runs (workload.sh: git, go
# build, test and vet, apt-cache, python scripts, tar), then monitors the
# host with the learned model for JUDGE seconds while the same kind of
# work runs in another order with other names, files and packages, then
# does three host actions that must still be flagged, and counts the
# WARNING+ records (first records and cooldown summaries):
#
#   - a copy of true in /tmp, run and removed
#   - cat /etc/shadow >/dev/null (a read: the file is never opened for
#     writing)
#   - a file in /etc/cron.d holding one comment line, removed at once
#
#   sudo bench/host/run.sh [DETECTOR]       (LEARN=600 JUDGE=600 by default)
#   sudo LEARN=30 JUDGE=30 bench/host/run.sh
#
# Needs root, go, git, python3, tar and apt-cache. The workload runs in a
# session of its own (setsid) in a temporary folder: the figures are given
# for that session's records and for every record of the host (other work
# on the host is judged too). KEEP=1 keeps the folder with the logs. Exits
# 1 when the workload's ordinary work had more than 2 WARNING+ records or
# an action had none.
set -eu
LEARN=${LEARN:-600}
JUDGE=${JUDGE:-600}
here=$(cd "$(dirname "$0")" && pwd)
# A developer works in a home folder; so does the workload.
work=$(mktemp -d "${HOME:-/root}/detector-host-bench.XXXXXX")
mon=
cleanup() {
	if [ -n "$mon" ]; then kill -TERM "$mon" 2>/dev/null || true; wait "$mon" 2>/dev/null || true; fi
	rm -f /etc/cron.d/detector-host-bench
	if [ "${KEEP:-}" = 1 ]; then echo "run.sh: logs kept in $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
[ "$(id -u)" = 0 ] || { echo "run.sh: needs root (the ebpf source)" >&2; exit 2; }
det=${1:-}
if [ -z "$det" ]; then
	(cd "$here/../.." && go build -o "$work/detector" .)
	det=$work/detector
fi

# wait_for FILE TEXT: until FILE holds TEXT (at most 120 s).
wait_for() {
	n=0
	until grep -q "$2" "$1" 2>/dev/null; do
		n=$((n + 1))
		if [ $n -ge 1200 ]; then echo "run.sh: $1 never said $2" >&2; cat "$1" >&2; exit 1; fi
		sleep 0.1
	done
}

echo "run.sh: learning for ${LEARN}s" >&2
"$det" monitor --source ebpf --learn "${LEARN}s" --model "$work/host.gob" --log "$work/learn.jsonl" 2>"$work/learn.err" &
mon=$!
wait_for "$work/learn.err" "probes attached"
setsid "$here/workload.sh" learn "$LEARN" "$work/learn" >"$work/learn.out" 2>&1 || true
wait "$mon"
mon=
cat "$work/learn.err" >&2

echo "run.sh: judging for ${JUDGE}s" >&2
"$det" monitor --source ebpf --model "$work/host.gob" --log "$work/judge.jsonl" 2>"$work/judge.err" &
mon=$!
wait_for "$work/judge.err" "probes attached"
setsid "$here/workload.sh" judge "$JUDGE" "$work/judge" >"$work/judge.out" 2>&1 || true
sid=$(cat "$work/judge/sid")
date -u +%Y-%m-%dT%H:%M:%S.%NZ >"$work/actions.start"
# The three host actions, in a session of their own, each throwaway.
setsid sh -c '
	echo $$ >"$1/actions.sid"
	t=$(mktemp /tmp/detector-host-bench-true.XXXXXX)
	cp /bin/true "$t" && chmod 700 "$t" && "$t"; rm -f "$t"
	cat /etc/shadow >/dev/null
	printf "# detector host benchmark: a comment, removed at once\n" >/etc/cron.d/detector-host-bench
	rm -f /etc/cron.d/detector-host-bench
' sh "$work"
asid=$(cat "$work/actions.sid")
# Each action is judged when its program ends: wait for the actions'
# records (at most 120 s), then stop the monitor, which flushes its log.
n=0
until grep -q "\"session $asid\"" "$work/judge.jsonl" 2>/dev/null && [ "$(grep -c "\"session $asid\"" "$work/judge.jsonl")" -ge 3 ]; do
	n=$((n + 1)); [ $n -lt 1200 ] || break
	sleep 0.1
done
sleep 2 # the cron.d write's rule and profile records come from other programs' ends
kill -TERM "$mon"
wait "$mon" || true
mon=
python3 - "$work/judge.jsonl" "$sid" "$asid" <<'PY'
import json, sys
log, sid, asid = sys.argv[1], "session " + sys.argv[2], "session " + sys.argv[3]
rank = {"INFO": 1, "WARNING": 2, "ALERT": 3}
recs = [json.loads(l) for l in open(log) if l.strip()]
warn = [r for r in recs if rank.get(r.get("severity"), 0) >= 2 and r.get("kind") in ("alert", "model", "summary")]
def line(r):
    p = r.get("process") or {}
    return "  %s %s %s %s: %s" % (r.get("kind"), r.get("severity"), r.get("rule"), p.get("exe", r.get("exe", "")), (r.get("message") or "")[:160])
work = [r for r in warn if r.get("sample") == sid]
acts = [r for r in warn if r.get("sample") == asid]
other = [r for r in warn if r.get("sample") not in (sid, asid)]
print("workload session: %d records, %d WARNING+ (%d first records, %d summaries)" % (
    sum(1 for r in recs if r.get("sample") == sid), len(work), sum(r["kind"] != "summary" for r in work), sum(r["kind"] == "summary" for r in work)))
for r in work: print(line(r))
print("  of which profile findings (kind model): %d; behaviour rules: %d" % (sum(r.get("kind") == "model" or r.get("algorithm") == "profile" for r in work),
    sum(not (r.get("kind") == "model" or r.get("algorithm") == "profile") for r in work)))
text = json.dumps(acts)
checks = {"/tmp binary run": "detector-host-bench-true" in text or "/tmp/" in text,
          "/etc/shadow read": "/etc/shadow" in text or "shadow" in text,
          "cron.d write": "cron.d" in text}
print("host actions: %d WARNING+ records" % len(acts))
for r in acts: print(line(r))
for k, ok in checks.items(): print("  %-18s %s" % (k, "WARNING+" if ok else "MISSED"))
print("rest of the host: %d WARNING+ records" % len(other))
for r in other[:20]: print(line(r))
sys.exit(0 if len(work) <= 2 and all(checks.values()) else 1)
PY
