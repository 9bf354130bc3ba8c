package rules_test

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"detector/rules"
	"detector/trace"
)

// cronWrite is a refused write to /etc/cron.d: persistence-write and
// system-dir-write, two distinct WARNING rules, from one call.
const cronWrite = `100 1700000000.000100 openat(AT_FDCWD</root>, "/etc/cron.d/job", O_WRONLY|O_CREAT|O_TRUNC, 0644) = -1 EACCES (Permission denied)
`

func finding(fs []rules.Finding, id string) *rules.Finding {
	for i := range fs {
		if fs[i].Rule == id {
			return &fs[i]
		}
	}
	return nil
}

// Two distinct WARNING rules on the sample within the window are an ALERT
// finding whose evidence names each rule's hit; apart by more than the
// window, or with INFO rules, they stay WARNINGs. The live hook sees the
// escalation when the second rule arrives, once per pair and window.
func TestCombinedWarnings(t *testing.T) {
	set, err := rules.Default()
	if err != nil {
		t.Fatal(err)
	}
	var hits []rules.Hit
	e := set.NewEngine(rules.Options{OnHit: func(h rules.Hit) { hits = append(hits, h) }})
	parseInto(t, e, cronWrite+strings.Replace(cronWrite, "000100", "000200", 1))
	fs := e.Findings()
	c := finding(fs, rules.CombinedRule)
	if c == nil || c.Severity != rules.Alert {
		t.Fatalf("no %s ALERT: %v", rules.CombinedRule, ruleIDs(fs))
	}
	if got := rules.SampleSeverity(fs, false, 0); got != rules.Alert {
		t.Errorf("sample severity %s", got)
	}
	var named []string
	for _, ev := range c.Evidence {
		named = append(named, ev.Rule)
		if !strings.HasPrefix(ev.Syscall, "openat(") {
			t.Errorf("evidence %q", ev.Syscall)
		}
	}
	slices.Sort(named)
	if !slices.Equal(named, []string{"persistence-write", "system-dir-write"}) {
		t.Errorf("evidence names %v", named)
	}
	if !strings.Contains(c.Message, "persistence-write") || !strings.Contains(c.Message, "system-dir-write") || !strings.Contains(c.Message, "within 1m0s") {
		t.Errorf("message %q", c.Message)
	}
	var live []rules.Hit
	for _, h := range hits {
		if h.Rule == rules.CombinedRule {
			live = append(live, h)
		}
	}
	if len(live) != 1 || live[0].Severity != rules.Alert || len(live[0].Combined) != 2 || live[0].Object != "persistence-write+system-dir-write" {
		t.Fatalf("live escalations %+v, want one, when the second rule arrived", live)
	}

	// Farther apart than the window: two WARNINGs, no ALERT.
	e = set.NewEngine(rules.Options{Combine: time.Second})
	parseInto(t, e, `100 1700000000.000100 openat(AT_FDCWD</root>, "/etc/shadow", O_RDONLY) = -1 EACCES (Permission denied)
100 1700000005.000100 setuid(0) = -1 EPERM (Operation not permitted)
`)
	fs = e.Findings()
	if finding(fs, "read-shadow") == nil || finding(fs, "setid-root") == nil {
		t.Fatalf("findings %v", ruleIDs(fs))
	}
	if finding(fs, rules.CombinedRule) != nil || rules.SampleSeverity(fs, false, 0) != rules.Warning {
		t.Errorf("5 s apart with a 1 s window: %v", ruleIDs(fs))
	}
	// Within the window: ALERT.
	e = set.NewEngine(rules.Options{Combine: 10 * time.Second})
	parseInto(t, e, `100 1700000000.000100 openat(AT_FDCWD</root>, "/etc/shadow", O_RDONLY) = -1 EACCES (Permission denied)
100 1700000005.000100 setuid(0) = -1 EPERM (Operation not permitted)
`)
	if finding(e.Findings(), rules.CombinedRule) == nil {
		t.Errorf("5 s apart with a 10 s window: %v", ruleIDs(e.Findings()))
	}
	// One WARNING rule hit twice, and an INFO rule: no escalation.
	e = set.NewEngine(rules.Options{})
	parseInto(t, e, `100 1700000000.000100 openat(AT_FDCWD</root>, "/etc/shadow", O_RDONLY) = -1 EACCES (Permission denied)
100 1700000000.000200 openat(AT_FDCWD</root>, "/root/.ssh/id_rsa", O_RDONLY) = -1 ENOENT (No such file or directory)
100 1700000000.000300 openat(AT_FDCWD</root>, "/etc/gshadow", O_RDONLY) = -1 EACCES (Permission denied)
`)
	fs = e.Findings()
	if finding(fs, "credential-read") == nil || finding(fs, rules.CombinedRule) != nil {
		t.Errorf("one WARNING rule and an INFO one: %v", ruleIDs(fs))
	}
}

// A script run through its #! line is its interpreter too: under strace,
// the interpreter's first read of the script names it; under eBPF, the
// exec tells the file the kernel executed. Rules on shells (shell-network)
// then see the script as they see bash -c.
func TestScriptIdentity(t *testing.T) {
	set, err := rules.Default()
	if err != nil {
		t.Fatal(err)
	}
	connect := `101 1700000000.000500 connect(3<TCP:[55]>, {sa_family=AF_INET, sin_port=htons(80), sin_addr=inet_addr("10.0.0.1")}, 16) = -1 ENETUNREACH (Network is unreachable)
`
	start := `100 1700000000.000100 clone(child_stack=NULL, flags=SIGCHLD) = 101
101 1700000000.000200 execve("/tmp/t.sh", ["/tmp/t.sh"], []) = 0
101 1700000000.000300 openat(AT_FDCWD</tmp>, "/tmp/t.sh", O_RDONLY) = 3</tmp/t.sh>
`
	read := `101 1700000000.000400 read(3</tmp/t.sh>, "#!/bin/bash -e\nexec 3<>/dev/tcp/10.0.0.1/80\n", 80) = 44
`
	judge := func(text string) *rules.Finding {
		e := set.NewEngine(rules.Options{})
		parseInto(t, e, text)
		return finding(e.Findings(), "shell-network")
	}
	f := judge(start + read + connect)
	if f == nil {
		t.Fatal("strace: a bash script connecting out is not shell-network")
	}
	if f.Process.Exe != "/tmp/t.sh" || f.Process.Executed != "/bin/bash" {
		t.Errorf("process %+v, want /tmp/t.sh run by /bin/bash", f.Process)
	}
	if judge(start+connect) != nil {
		t.Error("without the interpreter's read the script is not known as a shell")
	}
	// Another file's #! read by the program is no evidence of its own.
	if judge(start+strings.Replace(read, "3</tmp/t.sh>", "4</tmp/other.sh>", 1)+connect) != nil {
		t.Error("the #! of another file made the program a shell")
	}
	// A child of the script is the script too, until it runs a program.
	if judge(start+read+"101 1700000000.000450 clone(child_stack=NULL, flags=SIGCHLD) = 102\n"+strings.Replace(connect, "101 ", "102 ", 1)) == nil {
		t.Error("the script's forked child is not a shell")
	}

	// eBPF: the exec names the interpreter (trace.Call.RetPath).
	e := set.NewEngine(rules.Options{})
	feed := func(k trace.EventKind, c *trace.Call) {
		ev := &trace.Event{Kind: k, PID: c.PID, Call: c}
		ev.SetTime(1700000000 * time.Second)
		e.Event(ev)
	}
	exec := trace.NewCall(101, "execve", `"/tmp/t.sh", ["/bin/bash", "/tmp/t.sh"], 0x0 /* 0 vars */`, 0, true, "")
	exec.RetPath = "/usr/bin/bash"
	feed(trace.EventCall, exec)
	feed(trace.EventExec, exec)
	feed(trace.EventCall, trace.NewCall(101, "connect", `3<TCP:[55]>, {sa_family=AF_INET, sin_port=htons(80), sin_addr=inet_addr("10.0.0.1")}, 16`, 0, false, ""))
	f = finding(e.Findings(), "shell-network")
	if f == nil || f.Process.Executed != "/usr/bin/bash" {
		t.Fatalf("eBPF: %v", ruleIDs(e.Findings()))
	}
}

// The two ends of a pipe are paired by its inode, whichever starts
// first, and a writer that wrote its all and ended before its reader
// started is still the writer.
func TestPipePairing(t *testing.T) {
	set, err := rules.Default()
	if err != nil {
		t.Fatal(err)
	}
	e := set.NewEngine(rules.Options{})
	parseInto(t, e, `100 1700000000.000100 execve("/bin/sh", ["sh", "-c", "x"], []) = 0
100 1700000000.000200 clone(child_stack=NULL, flags=SIGCHLD) = 101
101 1700000000.000300 dup2(5<pipe:[90]>, 1</dev/null>) = 1<pipe:[90]>
101 1700000000.000400 execve("/usr/bin/xxd", ["xxd", "-r", "-p"], []) = 0
101 1700000000.000500 close(1<pipe:[90]>) = 0
101 1700000000.000600 +++ exited with 0 +++
100 1700000000.000700 clone(child_stack=NULL, flags=SIGCHLD) = 102
102 1700000000.000800 dup2(4<pipe:[90]>, 0</dev/null>) = 0<pipe:[90]>
102 1700000000.000900 execve("/usr/bin/bash", ["bash", "-s", "--", "a b"], []) = 0
`)
	f := finding(e.Findings(), "decode-to-shell")
	if f == nil {
		t.Fatalf("xxd -r | bash -s: %v", ruleIDs(e.Findings()))
	}
	if !strings.HasPrefix(f.Message, `xxd -r -p | bash -s -- `) {
		t.Errorf("message %q", f.Message)
	}
	// Another pipe: no pair.
	e = set.NewEngine(rules.Options{})
	parseInto(t, e, `100 1700000000.000100 execve("/bin/sh", ["sh", "-c", "x"], []) = 0
100 1700000000.000200 clone(child_stack=NULL, flags=SIGCHLD) = 101
101 1700000000.000300 dup2(5<pipe:[90]>, 1</dev/null>) = 1<pipe:[90]>
101 1700000000.000400 execve("/usr/bin/base64", ["base64", "-d"], []) = 0
100 1700000000.000700 clone(child_stack=NULL, flags=SIGCHLD) = 102
102 1700000000.000800 dup2(4<pipe:[91]>, 0</dev/null>) = 0<pipe:[91]>
102 1700000000.000900 execve("/usr/bin/sh", ["sh"], []) = 0
`)
	if f := finding(e.Findings(), "decode-to-shell"); f != nil {
		t.Errorf("two pipes paired: %s", f.Message)
	}
}

// Hostile input: an endless #! line names no interpreter, and a pipe
// with a thousand writers of a hundred arguments each is described within
// bounds.
func TestIdentityBounds(t *testing.T) {
	set, err := rules.Default()
	if err != nil {
		t.Fatal(err)
	}
	e := set.NewEngine(rules.Options{})
	parseInto(t, e, `101 1700000000.000200 execve("/tmp/t.sh", ["/tmp/t.sh"], []) = 0
101 1700000000.000300 read(3</tmp/t.sh>, "#!/`+strings.Repeat("a", 1<<16)+`\nx", 80) = 80
101 1700000000.000500 connect(3<TCP:[55]>, {sa_family=AF_INET, sin_port=htons(80), sin_addr=inet_addr("10.0.0.1")}, 16) = -1 ENETUNREACH (Network is unreachable)
`)
	for _, f := range e.Findings() {
		if len(f.Process.Executed) > rules.MaxEvidenceBytes {
			t.Errorf("%s: executed of %d bytes", f.Rule, len(f.Process.Executed))
		}
	}
	var b strings.Builder
	args := `"base64", "-d"` + strings.Repeat(`, "`+strings.Repeat("x", 300)+`"`, 100)
	for pid := 200; pid < 1200; pid++ {
		p := strconv.Itoa(pid)
		b.WriteString("100 1700000000.000100 clone(child_stack=NULL, flags=SIGCHLD) = " + p + "\n")
		b.WriteString(p + " 1700000000.000200 dup2(5<pipe:[77]>, 1) = 1\n")
		b.WriteString(p + " 1700000000.000300 execve(\"/usr/bin/base64\", [" + args + "], []) = 0\n")
	}
	b.WriteString("100 1700000000.000400 clone(child_stack=NULL, flags=SIGCHLD) = 2000\n")
	b.WriteString("2000 1700000000.000500 dup2(4<pipe:[77]>, 0) = 0\n")
	b.WriteString("2000 1700000000.000600 execve(\"/bin/sh\", [\"sh\"], []) = 0\n")
	e = set.NewEngine(rules.Options{})
	start := time.Now()
	parseInto(t, e, b.String())
	f := finding(e.Findings(), "decode-to-shell")
	if f == nil {
		t.Fatalf("no decode-to-shell: %v", ruleIDs(e.Findings()))
	}
	if len(f.Message) > 2*rules.MaxEvidenceBytes+3 {
		t.Errorf("message of %d bytes", len(f.Message))
	}
	t.Logf("%d processes on one pipe judged in %v", 1001, time.Since(start))
}
