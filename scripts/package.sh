#!/usr/bin/env bash
# Build the Debian package: scripts/package.sh OUTDIR writes
# OUTDIR/detector_VERSION_ARCH.deb with dpkg-deb. It holds the binary, the
# man page (from `detector man`: the page doc/detector.1 holds), shell
# completions for bash, zsh and fish, the monitor's systemd unit
# (packaging/detector-monitor.service) and /etc/detector/ with the default
# rules and an empty allow-list as conffiles. VERSION is the version in
# main.go, followed by +gHASH when the checkout is not at the tag vVERSION
# (and .dirty when it has changes).
set -euo pipefail
if [ $# -ne 1 ]; then
  echo "usage: scripts/package.sh OUTDIR" >&2
  exit 2
fi
out=$1
cd "$(dirname "$0")/.."
command -v dpkg-deb >/dev/null || { echo "package: dpkg-deb is needed (apt-get install dpkg)" >&2; exit 2; }

base=$(sed -n 's/^var version = "\(.*\)"$/\1/p' main.go)
[ -n "$base" ] || { echo "package: no version in main.go" >&2; exit 2; }
version=$base
if git rev-parse --git-dir >/dev/null 2>&1 && [ "$(git describe --tags --exact-match 2>/dev/null)" != "v$base" ]; then
  version="$base+g$(git rev-parse --short=12 HEAD)"
  git diff --quiet HEAD 2>/dev/null || version="$version.dirty"
fi
arch=$(dpkg --print-architecture)

mkdir -p "$out"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
root=$stage/root
install -d "$root/DEBIAN" "$root/usr/bin" "$root/usr/share/man/man1" "$root/etc/detector" \
  "$root/usr/lib/systemd/system" "$root/usr/share/bash-completion/completions" \
  "$root/usr/share/zsh/vendor-completions" "$root/usr/share/fish/vendor_completions.d" \
  "$root/usr/share/doc/detector"

CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o "$root/usr/bin/detector" .
bin=$root/usr/bin/detector
"$bin" man | gzip -9n >"$root/usr/share/man/man1/detector.1.gz"
"$bin" completion bash >"$root/usr/share/bash-completion/completions/detector"
"$bin" completion zsh >"$root/usr/share/zsh/vendor-completions/_detector"
"$bin" completion fish >"$root/usr/share/fish/vendor_completions.d/detector.fish"
install -m 0644 packaging/detector-monitor.service "$root/usr/lib/systemd/system/"
install -m 0644 packaging/detector-learn.service "$root/usr/lib/systemd/system/"
install -m 0644 rules/default.yaml "$root/etc/detector/rules.yaml"
install -m 0644 packaging/allow.yaml "$root/etc/detector/allow.yaml"
gzip -9n <README.md >"$root/usr/share/doc/detector/README.md.gz"
chmod 0644 "$root"/usr/share/*/*/* "$root"/usr/share/*/*/*/* 2>/dev/null || true

cat >"$root/DEBIAN/conffiles" <<CONF
/etc/detector/rules.yaml
/etc/detector/allow.yaml
CONF
size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
cat >"$root/DEBIAN/control" <<CONTROL
Package: detector
Version: $version
Architecture: $arch
Maintainer: detector developers <detector@localhost>
Installed-Size: $size
Recommends: strace
Section: admin
Priority: optional
Description: host intrusion detection from system-call behaviour
 detector learns what benign programs do at the system-call level and
 flags programs that behave otherwise: behaviour rules, models of call
 counts and sequences, and a live monitor (eBPF, strace or /proc) that
 logs alerts as JSON lines, to the journal or to syslog. The monitor's
 service is detector-monitor.service (not enabled at installation).
CONTROL
# systemd learns of the unit (and forgets it) at once; the service is
# neither enabled nor started: the operator decides (systemctl enable --now
# detector-monitor).
for script in postinst postrm; do
  cat >"$root/DEBIAN/$script" <<'SCRIPT'
#!/bin/sh
set -e
if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
  systemctl daemon-reload >/dev/null 2>&1 || true
fi
SCRIPT
  chmod 0755 "$root/DEBIAN/$script"
done

deb="$out/detector_${version}_${arch}.deb"
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
echo "$deb"
