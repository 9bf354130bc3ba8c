package main

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// unitFile is the monitor's systemd unit.
const unitFile = "packaging/detector-monitor.service"

// unitService reads the [Service] section of the unit: each key's values
// in order.
func unitService(t *testing.T) map[string][]string {
	t.Helper()
	f, err := os.Open(unitFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	kv := map[string][]string{}
	section := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		l := strings.TrimSpace(sc.Text())
		switch {
		case l == "" || strings.HasPrefix(l, "#"):
		case strings.HasPrefix(l, "["):
			section = l
		case section == "[Service]":
			k, v, ok := strings.Cut(l, "=")
			if !ok {
				t.Fatalf("%s: not a key=value line: %q", unitFile, l)
			}
			kv[k] = append(kv[k], v)
		}
	}
	return kv
}

// The unit creates its log folder, restarts on failure, reloads with
// SIGHUP, writes nowhere but the log folder, and keeps the hardening and
// capabilities the README lists; its command line names the files the
// package installs and detector accepts them.
func TestUnitFile(t *testing.T) {
	kv := unitService(t)
	want := map[string]string{
		"LogsDirectory": "detector", "Restart": "on-failure", "ExecReload": "/bin/kill -HUP $MAINPID",
		"NoNewPrivileges": "yes", "ProtectSystem": "strict", "ReadWritePaths": "/var/log/detector",
		"ProtectHome": "read-only", "PrivateTmp": "yes", "PrivateDevices": "yes",
		"ProtectKernelTunables": "yes", "ProtectKernelModules": "yes", "ProtectControlGroups": "yes",
		"RestrictNamespaces": "yes", "MemoryDenyWriteExecute": "yes", "LockPersonality": "yes",
		"CapabilityBoundingSet": "CAP_BPF CAP_PERFMON CAP_SYS_RESOURCE CAP_SYS_PTRACE CAP_DAC_READ_SEARCH",
	}
	for k, v := range want {
		if got := kv[k]; len(got) != 1 || got[0] != v {
			t.Errorf("%s=%v, want %s", k, got, v)
		}
	}
	if len(kv["ExecStart"]) != 1 {
		t.Fatalf("ExecStart %v", kv["ExecStart"])
	}
	argv := strings.Fields(kv["ExecStart"][0])
	flag := func(name string) string {
		i := slices.Index(argv, name)
		if i < 0 || i+1 >= len(argv) {
			t.Fatalf("ExecStart has no %s: %v", name, argv)
		}
		return argv[i+1]
	}
	if argv[0] != "/usr/bin/detector" || argv[1] != "monitor" || flag("--source") != "ebpf" {
		t.Errorf("ExecStart %v", argv)
	}
	if log := flag("--log"); filepath.Dir(log) != "/var/log/detector" {
		t.Errorf("--log %s is not in the folder systemd creates and lets it write", log)
	}
	if flag("--rules") != "/etc/detector/rules.yaml" || flag("--allow") != "/etc/detector/allow.yaml" {
		t.Errorf("ExecStart does not name /etc/detector's files: %v", argv)
	}
	// What the package installs there: the default rules and
	// packaging/allow.yaml.
	if r := run(t, nil, "rules", "check", "--rules", "rules/default.yaml", "--allow", "packaging/allow.yaml"); r.code != 0 {
		t.Errorf("rules check on the packaged files: %s", r.stderr)
	}
	pkg, _ := os.ReadFile("scripts/package.sh")
	for _, s := range []string{"rules/default.yaml \"$root/etc/detector/rules.yaml\"", "packaging/allow.yaml \"$root/etc/detector/allow.yaml\"", "packaging/detector-monitor.service"} {
		if !strings.Contains(string(pkg), s) {
			t.Errorf("scripts/package.sh does not install %s", s)
		}
	}

	sa, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze is not installed (scripts/setup.sh installs systemd): the unit is not verified")
	}
	// The unit as installed, with this build as its binary (and without
	// the man page, which only the package installs).
	b, _ := os.ReadFile(unitFile)
	var lines []string
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "Documentation=") {
			continue
		}
		lines = append(lines, strings.Replace(l, "ExecStart=/usr/bin/detector", "ExecStart="+binary, 1))
	}
	dir := t.TempDir()
	copyUnit := filepath.Join(dir, "detector-monitor.service")
	os.WriteFile(copyUnit, []byte(strings.Join(lines, "\n")), 0o644)
	if out, err := exec.Command(sa, "verify", copyUnit).CombinedOutput(); err != nil {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}

// The monitor loads its probes with the unit's capability bounding set
// and nothing more.
func TestUnitCapabilities(t *testing.T) {
	needEBPF(t)
	setpriv, err := exec.LookPath("setpriv")
	if err != nil {
		t.Skip("setpriv is not installed")
	}
	caps := strings.Fields(unitService(t)["CapabilityBoundingSet"][0])
	set := "-all"
	for _, c := range caps {
		set += ",+" + strings.ToLower(strings.TrimPrefix(c, "CAP_"))
	}
	log := filepath.Join(t.TempDir(), "alerts.jsonl")
	cmd := exec.Command(setpriv, "--bounding-set="+set, "--inh-caps=-all", binary, "monitor", "--source", "ebpf", "--duration", "2s", "--log", log)
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "probes attached") {
		t.Fatalf("monitor under %s: %v\n%s", set, err, out)
	}
}

// The learning unit learns for a day into the folder systemd creates for
// it, with the rules, allow-list and log of the monitor's unit and its
// hardening, writing nowhere else; it does not run beside the monitor;
// the package installs it and systemd-analyze accepts it.
func TestLearnUnitFile(t *testing.T) {
	const learnUnit = "packaging/detector-learn.service"
	b, err := os.ReadFile(learnUnit)
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	for _, want := range []string{
		"ExecStart=/usr/bin/detector monitor --source ebpf --learn 24h --model /var/lib/detector/host.gob --rules /etc/detector/rules.yaml --allow /etc/detector/allow.yaml --log /var/log/detector/alerts.jsonl",
		"StateDirectory=detector\n", "LogsDirectory=detector\n", "ReadWritePaths=/var/log/detector /var/lib/detector\n",
		"Conflicts=detector-monitor.service\n", "ProtectSystem=strict\n", "NoNewPrivileges=yes\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("%s lacks %q", learnUnit, want)
		}
	}
	monitorUnit, _ := os.ReadFile(unitFile)
	for _, l := range strings.Split(string(monitorUnit), "\n") {
		if strings.HasPrefix(l, "CapabilityBoundingSet=") || strings.HasPrefix(l, "Protect") || strings.HasPrefix(l, "Restrict") {
			if !strings.Contains(text, l+"\n") {
				t.Errorf("%s lacks the monitor unit's %q", learnUnit, l)
			}
		}
	}
	if pkg, _ := os.ReadFile("scripts/package.sh"); !strings.Contains(string(pkg), learnUnit) {
		t.Errorf("scripts/package.sh does not install %s", learnUnit)
	}
	sa, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze is not installed (scripts/setup.sh installs systemd): the unit is not verified")
	}
	var lines []string
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(l, "Documentation=") {
			continue
		}
		lines = append(lines, strings.Replace(l, "ExecStart=/usr/bin/detector", "ExecStart="+binary, 1))
	}
	copyUnit := filepath.Join(t.TempDir(), "detector-learn.service")
	os.WriteFile(copyUnit, []byte(strings.Join(lines, "\n")), 0o644)
	if out, err := exec.Command(sa, "verify", copyUnit).CombinedOutput(); err != nil {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}
