#!/usr/bin/env bash
# ADFA-LD benchmark: train on Training_Data_Master only, evaluate on
# Validation_Data_Master (normal) and Attack_Data_Master (attack) with the
# ten features, for LOF (k = 20), One-Class SVM (nu = 0.05, gamma scale) and
# Isolation Forest (100 trees, seed 0), and for the sequence models: the
# n-gram model, call-set nearest neighbours, STIDE and their ensemble, with
# the defaults chosen on the development split (see the README), and the
# profile detector (its syscall part and the ensemble as its sequence part).
# Prints a Markdown table and draws every model's ROC curve into one SVG
# picture (evaluate --roc with every --model). With --readme, also writes
# the table into README.md between the adfa:begin and adfa:end markers and
# the picture to doc/adfa-roc.svg, which the README shows.
#
# usage: bench/adfa.sh [--readme] [ADFA_DIR]   (default ../shared/datasets/adfa-ld)
set -euo pipefail
cd "$(dirname "$0")/.."

readme=false
if [ "${1:-}" = "--readme" ]; then readme=true; shift; fi
src=${1:-../shared/datasets/adfa-ld}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Accept the folder holding ADFA-LD.zip, the zip itself, or an unpacked tree.
if [ -f "$src" ]; then zip=$src
elif [ -f "$src/ADFA-LD.zip" ]; then zip=$src/ADFA-LD.zip
elif [ -d "$src/Training_Data_Master" ]; then data=$src
elif [ -d "$src/ADFA-LD/Training_Data_Master" ]; then data=$src/ADFA-LD
else echo "adfa.sh: no ADFA-LD data in $src" >&2; exit 2
fi
if [ -z "${data:-}" ]; then
  command -v unzip >/dev/null || { echo "adfa.sh: unzip is needed (scripts/setup.sh installs it)" >&2; exit 2; }
  unzip -q "$(realpath "$zip")" -d "$work"
  data=$work/ADFA-LD
fi

go build -o "$work/detector" .
det=$work/detector

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
field() { sed -n "s/^$1\"$2\": \([^,]*\),\{0,1\}$/\1/p" "$3" | head -n 1; }
pct() { awk -v v="$1" 'BEGIN { if (v == "null") print "n/a"; else printf "%.1f%%", 100 * v }'; }

table=$work/table.md
{
  echo "| model | ROC AUC | DR at 1% FA | DR at 5% FA | DR at 10% FA | train | evaluate |"
  echo "|---|---|---|---|---|---|---|"
} >"$table"
for alg in lof ocsvm iforest ngram callset stide ensemble profile; do
  case $alg in
    lof) flags=(--algorithm lof --neighbors 20); name="LOF, k = 20" ;;
    ocsvm) flags=(--algorithm ocsvm --nu 0.05 --gamma scale); name="One-Class SVM, nu = 0.05, gamma scale" ;;
    iforest) flags=(--algorithm iforest --trees 100 --seed 0); name="Isolation Forest, 100 trees, seed 0" ;;
    ngram) flags=(--algorithm ngram); name="n-gram, Kneser-Ney, N = 10, share of calls with -ln p > 3" ;;
    callset) flags=(--algorithm callset); name="call set, nearest training trace (cosine), k = 1" ;;
    stide) flags=(--algorithm stide); name="STIDE, window 8" ;;
    ensemble) flags=(--algorithm ensemble); name="ensemble: n-gram (N = 6) + call set, z-score mean" ;;
    profile) flags=(--algorithm profile); name="profile: the traced program's calls + the ensemble" ;;
  esac
  t0=$(now)
  "$det" train "${flags[@]}" --input adfa --model "$work/$alg.gob" "$data/Training_Data_Master" 2>/dev/null
  t1=$(now)
  "$det" evaluate --output json --input adfa --model "$work/$alg.gob" \
    --normal "$data/Validation_Data_Master" --attack "$data/Attack_Data_Master" >"$work/$alg.json"
  t2=$(now)
  j=$work/$alg.json
  printf '| %s | %.3f | %s | %s | %s | %s s | %s s |\n' "$name" "$(field '  ' auc "$j")" \
    "$(pct "$(field '    ' 0.01 "$j")")" "$(pct "$(field '    ' 0.05 "$j")")" "$(pct "$(field '    ' 0.10 "$j")")" \
    "$(elapsed "$t0" "$t1")" "$(elapsed "$t1" "$t2")" >>"$table"
done
cat "$table"

models=()
for alg in lof ocsvm iforest ngram callset stide ensemble profile; do models+=(--model "$work/$alg.gob"); done
"$det" evaluate --output json --input adfa "${models[@]}" --roc "$work/adfa-roc.svg" \
  --normal "$data/Validation_Data_Master" --attack "$data/Attack_Data_Master" >/dev/null
echo "adfa.sh: ROC curves drawn" >&2

if $readme; then
  cp "$work/adfa-roc.svg" doc/adfa-roc.svg
  awk -v tbl="$table" '
    /<!-- adfa:begin -->/ { print; while ((getline l < tbl) > 0) print l; skip = 1; next }
    /<!-- adfa:end -->/ { skip = 0 }
    !skip { print }' README.md >"$work/README.md"
  cp "$work/README.md" README.md
  echo "adfa.sh: README.md updated" >&2
fi
