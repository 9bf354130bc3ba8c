package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// worstFinding is the highest severity among a JSON row's rule findings
// ("" for none), and every finding as rule:severity.
func worstFinding(row map[string]any) (string, []string) {
	rank := map[string]int{"INFO": 1, "WARNING": 2, "ALERT": 3}
	worst, ids := "", []string(nil)
	fs, _ := row["findings"].([]any)
	for _, x := range fs {
		f, _ := x.(map[string]any)
		s, _ := f["severity"].(string)
		if f["rule"] == "model-anomaly" { // the model's view, not the rules'
			continue
		}
		if rank[s] > rank[worst] {
			worst = s
		}
		id, _ := f["rule"].(string)
		ids = append(ids, id+":"+s)
	}
	return worst, ids
}

// TestBenchCorpora runs a subset of bench/attack (each scenario must reach
// WARNING or ALERT through the rules alone) and of bench/everyday (each
// line must stay below WARNING) sandboxed under strace; bench/run.sh runs
// them all.
func TestBenchCorpora(t *testing.T) {
	t.Parallel() // spawns its own runs only; shortens CI on two cores
	scenarios := map[string]string{}
	for _, id := range []string{"T1003.007", "T1140", "T1562.003", "T1548.001", "T1529", "T1070.003", "T1552.005", "T1202",
		"T1485-shred", "T1059.006-system", "T1611-nsenter", "T1552.001-aws", "T1562.004-iptables"} {
		scenarios[id] = ""
	}
	benchSubset(t, scenarios, []string{
		"ip addr",
		`sh -c 'printf "int main(void){return 0;}\n" > a.c && cc -o a a.c && ./a'`,
		`sh -c 'tar czf x.tgz /etc/hostname 2>/dev/null && tar tzf x.tgz'`,
		"wget -q -T 2 -O - http://127.0.0.1:9/",
		"grep -n nologin /etc/passwd",
		`awk -F : '{print $1}' /etc/passwd`,
		"touch notes.txt",
		`python3 -c 'import subprocess; print(subprocess.run(["ls", "/"], capture_output=True).returncode)'`,
	})
}

// TestBenchCorporaReconExfil runs a subset of the discovery, collection,
// command-and-control and exfiltration scenarios of bench/attack (each must
// reach WARNING or ALERT through the rule named) and of the everyday lines
// that look like them (each must stay below WARNING), sandboxed under
// strace. The scenarios chosen need no tool beyond the base system: a tool
// that is not installed is still seen when the shell looks it up.
func TestBenchCorporaReconExfil(t *testing.T) {
	t.Parallel() // spawns its own runs only; shortens CI on two cores
	benchSubset(t, map[string]string{
		"T1033":               "discovery-burst",
		"T1074.001":           "staging-hidden-temp",
		"T1560.001-tar":       "archive-collected",
		"T1030":               "split-sensitive",
		"T1048.003-nc":        "file-to-network-tool",
		"T1090-chisel":        "tunnel-tool",
		"T1497.001-container": "virtualization-check",
	}, []string{
		"ps aux",
		`sh -c 'uname -r; id -u; hostname'`,
		`sh -c 'who; w -h'`,
		`sh -c 'cp /etc/services svc.log && split -l 100 svc.log part. && ls part.* | wc -l'`,
		"curl -s -m 2 -o /tmp/page.html http://127.0.0.1:9/",
		`sh -c 'timeout 1 python3 -m http.server 8765 --bind 127.0.0.1 >/dev/null 2>&1; true'`,
		`sh -c 'mkdir -p /tmp/build-cache && cp /etc/hostname /tmp/build-cache/ && rm -rf /tmp/build-cache'`,
		`sh -c 'find . -name "*.pdf"'`,
	})
}

// benchSubset runs the scenarios of bench/attack named by scenarios' keys
// (each must reach WARNING or ALERT through the rules alone, and through
// the rule its value names where it names one) and the everyday lines
// (each must stay below WARNING), sandboxed under strace.
func benchSubset(t *testing.T, scenarios map[string]string, lines []string) {
	t.Helper()
	needStrace(t)
	if testing.Short() {
		t.Skip("runs sandboxed scenarios; skipped with -short")
	}
	dir := t.TempDir()
	m, _ := commandsModel(t, "", "profile")
	for id, want := range scenarios {
		body, err := os.ReadFile(filepath.Join("bench", "attack", id+".sh"))
		if err != nil {
			t.Fatal(err)
		}
		r := run(t, nil, "detect", "--model", m, "--tracer", "strace", "--output", "json", "--fail-on", "never", "--", "sh", "-c", string(body))
		rows := jsonLines(t, r.stdout)
		if r.code != 0 && r.code != 1 || len(rows) != 1 {
			t.Fatalf("%s: exit %d, %d rows: %s", id, r.code, len(rows), r.stderr)
		}
		w, ids := worstFinding(rows[0])
		if w != "WARNING" && w != "ALERT" || want != "" && !hasRule(ids, want) {
			t.Errorf("attack scenario %s: worst finding %q (%v), want WARNING or ALERT (from %q)", id, w, ids, want)
		}
	}
	cmds := filepath.Join(dir, "everyday.txt")
	if err := os.WriteFile(cmds, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := run(t, nil, "detect", "--model", m, "--tracer", "strace", "--output", "json", "--fail-on", "never", "--commands", cmds)
	rows := jsonLines(t, r.stdout)
	if len(rows) != len(lines) {
		t.Fatalf("everyday: %d rows, want %d: %s", len(rows), len(lines), r.stderr)
	}
	for _, row := range rows {
		if w, ids := worstFinding(row); w == "WARNING" || w == "ALERT" {
			t.Errorf("everyday line %v: worst finding %s (%v), want below WARNING", row["sample"], w, ids)
		}
	}
}

// hasRule reports whether ids (rule:severity, as worstFinding gives them)
// holds a finding of rule.
func hasRule(ids []string, rule string) bool {
	for _, id := range ids {
		if strings.HasPrefix(id, rule+":") {
			return true
		}
	}
	return false
}

// TestBenchCorporaCallbacks runs the scenarios of reverse shells whose
// callback is refused, of decoded code piped into an interpreter and of
// privilege-tool probes (each must reach WARNING or ALERT through the rule
// named), and the everyday lines closest to them (each must stay below
// WARNING), sandboxed under strace.
func TestBenchCorporaCallbacks(t *testing.T) {
	t.Parallel() // spawns its own runs only; shortens CI on two cores
	benchSubset(t, map[string]string{
		"T1059.004-devtcp-retry":       "shell-network",
		"T1059.006-connect-then-shell": "connect-then-shell",
		"T1059.004-fifo":               "shell-pipe-network",
		"T1027-b64-perl":               "decode-to-shell",
		"T1548.003-sudo-probe":         "privilege-tool",
	}, []string{
		`sh -c 'python3 -c "import socket; print(socket.socket().connect_ex((\"127.0.0.1\", 9)))"'`,
		`sh -c 'command -v sudo || echo no sudo'`,
		`sh -c 'printf "{\"a\": 1}" | python3 -m json.tool'`,
		`sh -c 'echo hello | nc -w 1 127.0.0.1 9 2>/dev/null; true'`,
	})
}
