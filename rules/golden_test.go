package rules_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"detector/rules"
	"detector/trace"
)

var update = flag.Bool("update", false, "rewrite testdata/golden/*/*.json from the recorded traces")

// expectRule is the rule each suspicious fixture must reach WARNING or
// ALERT through: the one its name suggests.
var expectRule = map[string]string{
	"anti_forensics":      "log-tampering",
	"credential_hunt":     "credential-hunt",
	"dropper_devshm":      "exec-temp-dir",
	"dropper_tmp":         "exec-written-file",
	"exfil_loopback":      "connection-burst",
	"fork_burst":          "fork-burst",
	"memfd_exec":          "exec-memfd",
	"persistence_scratch": "persistence-write",
	"port_scan":           "network-scan",
	"privilege_syscalls":  "setid-root",
	"ptrace_child":        "ptrace-attach",
	"ransomware_scratch":  "mass-rename",
	"read_shadow":         "read-shadow",
	"reverse_shell_bash":  "reverse-shell",
	"reverse_shell_perl":  "reverse-shell",
	"server_shell":        "shell-from-server",
	"kernel_module":       "kernel-module",
	"system_dir_write":    "system-dir-write",
	"outbound_connect":    "outbound-backdoor-port",
	"history_wipe":        "history-tampering",
	"self_delete":         "self-delete",
}

// judge replays a recorded, gzipped trace through the default rules.
func judge(t testing.TB, set *rules.Set, file string, opts rules.Options) []rules.Finding {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	e := set.NewEngine(opts)
	if _, err := trace.ParseEvents(zr, e.Event); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return e.Findings()
}

func traces(t testing.TB, kind string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "traces", kind, "*.trace.gz"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no recorded traces in testdata/traces/%s (record them with go test ./rules -run TestRecordFixtures -record)", kind)
	}
	return files
}

func sampleName(file string) string {
	return strings.TrimSuffix(filepath.Base(file), ".trace.gz")
}

// TestFixtureFindings checks the acceptance of the rules on the recorded
// fixtures: every suspicious one reaches WARNING or ALERT through the rule
// its name suggests, no benign one gets a finding above INFO, and the
// findings equal the golden JSON.
func TestFixtureFindings(t *testing.T) {
	set, err := rules.Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, kind := range []string{"suspicious", "benign"} {
		for _, f := range traces(t, kind) {
			name := sampleName(f)
			t.Run(kind+"/"+name, func(t *testing.T) {
				fs := judge(t, set, f, rules.Options{})
				sev := rules.SampleSeverity(fs, false, 0)
				var summary []string
				for _, x := range fs {
					summary = append(summary, fmt.Sprintf("%s:%s:%d", x.Rule, x.Severity, x.Count))
				}
				t.Logf("%s %v", sev, summary)
				if kind == "benign" {
					for _, x := range fs {
						if x.Severity > rules.Info {
							t.Errorf("benign sample has %s finding %s: %s; evidence %v", x.Severity, x.Rule, x.Message, x.Evidence)
						}
					}
				} else {
					want := expectRule[name]
					if want == "" {
						t.Fatalf("no expected rule for %s: add it to expectRule", name)
					}
					if sev < rules.Warning {
						t.Errorf("suspicious sample reaches only %s", sev)
					}
					found := false
					for _, x := range fs {
						if x.Rule == want && x.Severity >= rules.Warning {
							found = true
						}
					}
					if !found {
						t.Errorf("rule %s did not hit", want)
					}
				}
				checkGolden(t, filepath.Join("testdata", "golden", kind, name+".json"), fs)
			})
		}
	}
}

func checkGolden(t *testing.T, file string, fs []rules.Finding) {
	t.Helper()
	got, err := json.MarshalIndent(fs, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	if *update {
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (create it with go test ./rules -run TestFixtureFindings -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("findings differ from %s (regenerate with -update after checking):\n%s", file, diffLines(string(want), string(got)))
	}
}

// diffLines shows the lines only in a or only in b.
func diffLines(a, b string) string {
	in := map[string]int{}
	for _, l := range strings.Split(a, "\n") {
		in[l]++
	}
	var out []string
	for _, l := range strings.Split(b, "\n") {
		if in[l] > 0 {
			in[l]--
			continue
		}
		out = append(out, "+ "+l)
	}
	for l, n := range in {
		if n > 0 {
			out = append(out, "- "+l)
		}
	}
	sort.Strings(out)
	if len(out) > 40 {
		out = out[:40]
	}
	return strings.Join(out, "\n")
}
