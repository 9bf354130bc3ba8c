#!/usr/bin/env bash
# Check the Debian package as CI does, on this machine: build it with
# scripts/package.sh, install it with dpkg -i, and run the installed
# detector (--version, rules check with /etc/detector's files), check the
# installed unit with systemd-analyze verify and the man page with man.
# Needs root; scripts/setup.sh installs systemd and man-db where missing.
# The package is removed again unless it was installed before.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -ne 0 ]; then
  echo "check-package: needs root (dpkg -i); skipped" >&2
  exit 0
fi
out=$(mktemp -d)
had=$(dpkg-query -W -f '${Status}' detector 2>/dev/null || true)
cleanup() {
  rm -rf "$out"
  case $had in *" installed") ;; *) dpkg --purge detector >/dev/null 2>&1 || true ;; esac
}
trap cleanup EXIT
fail() { echo "check-package: $*" >&2; exit 1; }

deb=$(scripts/package.sh "$out")
dpkg -i "$deb" >/dev/null
echo "check-package: installed $(basename "$deb")"
/usr/bin/detector --version
/usr/bin/detector rules check --rules /etc/detector/rules.yaml --allow /etc/detector/allow.yaml
for f in /etc/detector/rules.yaml /etc/detector/allow.yaml; do
  dpkg-query --showformat='${Conffiles}\n' --show detector | grep -q " $f " || fail "$f is not a conffile"
done
command -v systemd-analyze >/dev/null || fail "systemd-analyze is missing (scripts/setup.sh installs systemd)"
for unit in /usr/lib/systemd/system/detector-monitor.service /usr/lib/systemd/system/detector-learn.service; do
  [ -f "$unit" ] || fail "no unit at $unit"
  systemd-analyze verify "$unit" || fail "systemd-analyze verify $unit failed"
  echo "check-package: systemd-analyze verify $unit: ok"
done
page=$(MANWIDTH=80 man -P cat detector 2>/dev/null) || fail "man detector shows no page"
for s in NAME SYNOPSIS DESCRIPTION COMMANDS "EXIT STATUS" FILES ENVIRONMENT EXAMPLES "SEE ALSO"; do
  grep -q "^$s" <<<"$page" || fail "man detector has no $s section"
done
[ -s /usr/share/bash-completion/completions/detector ] || fail "no bash completion"
[ -s /usr/share/zsh/vendor-completions/_detector ] || fail "no zsh completion"
[ -s /usr/share/fish/vendor_completions.d/detector.fish ] || fail "no fish completion"
echo "check-package: ok"
