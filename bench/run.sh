#!/bin/sh
# Runs the attack scenarios (bench/attack/*.sh, one ATT&CK technique each)
# and the everyday command lines (bench/everyday/commands.txt) sandboxed
# under detector's default rules, and prints the coverage per tactic
# (scenarios with a WARNING or ALERT finding) and the everyday false alarms
# (lines with a WARNING or ALERT finding). Only the rules' findings count,
# not the model's (model-anomaly).
#
#   bench/run.sh [--tracer strace|ebpf] [--scenarios DIR] [DETECTOR]
#
# --scenarios runs another folder of scenarios instead of bench/attack:
# bench/attack-fresh holds scenarios written after the rules, to measure how
# they carry over to variants they were not written for (see README).
# DETECTOR defaults to a binary built from this tree. Needs python3 to read
# the JSON rows.
set -eu
tracer=strace
here=$(cd "$(dirname "$0")" && pwd)
scenarios=$here/attack
while [ $# -gt 0 ]; do
	case $1 in
	--tracer) tracer=$2; shift 2 ;;
	--scenarios) scenarios=$2; shift 2 ;;
	*) break ;;
	esac
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
det=${1:-}
if [ -z "$det" ]; then
	(cd "$here/.." && go build -o "$work/detector" .)
	det=$work/detector
fi
# The verdicts need a model; the figures read only the rule findings.
"$det" train --model "$work/m.gob" --tracer "$tracer" --commands "$here/../fixtures/commands/train.txt" >/dev/null 2>&1
for f in "$scenarios"/*.sh; do
	id=$(basename "$f" .sh)
	tactic=$(sed -n 's/^# tactic: //p' "$f")
	"$det" detect --model "$work/m.gob" --tracer "$tracer" --output json --fail-on never \
		-- sh -c "$(cat "$f")" 2>/dev/null | sed "s/^{/{\"bench_id\":\"$id\",\"bench_tactic\":\"$tactic\",/" >>"$work/attack.json" || true
done
"$det" detect --model "$work/m.gob" --tracer "$tracer" --output json --fail-on never \
	--commands "$here/everyday/commands.txt" >"$work/everyday.json" 2>/dev/null || true
python3 - "$work/attack.json" "$work/everyday.json" <<'PY'
import json, sys
rank = {"INFO": 1, "WARNING": 2, "ALERT": 3}
# the figures are the rules': findings of the model are left out
model = {"model-anomaly", "sequence-window"}
def worst(row):
    fs = [f for f in row.get("findings") or [] if (f.get("rule") or f.get("id")) not in model]
    best = max((rank.get(f.get("severity"), 0) for f in fs), default=0)
    return best, sorted({f.get("rule") or f.get("id") for f in fs if rank.get(f.get("severity"), 0) >= 2})
tactics = {}
print("ATTACK SCENARIOS")
for line in open(sys.argv[1]):
    row = json.loads(line)
    sev, rules = worst(row)
    t = tactics.setdefault(row["bench_tactic"], [0, 0])
    t[1] += 1
    if sev >= 2:
        t[0] += 1
    print("  %-12s %-22s %s %s" % (row["bench_id"], row["bench_tactic"], "caught" if sev >= 2 else "MISSED", " ".join(rules)))
caught = sum(v[0] for v in tactics.values()); total = sum(v[1] for v in tactics.values())
print("COVERAGE PER TACTIC (WARNING+)")
for k in sorted(tactics):
    print("  %-22s %d/%d" % (k, tactics[k][0], tactics[k][1]))
print("  %-22s %d/%d" % ("all", caught, total))
n = alarms = 0
print("EVERYDAY FALSE ALARMS (WARNING+)")
for line in open(sys.argv[2]):
    row = json.loads(line)
    n += 1
    sev, rules = worst(row)
    if sev >= 2:
        alarms += 1
        print("  %s: %s" % (row["sample"], " ".join(rules)))
print("  %d of %d everyday command lines" % (alarms, n))
PY
