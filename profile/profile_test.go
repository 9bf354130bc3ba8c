package profile

import (
	"bytes"
	"encoding/gob"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"detector/algo"
	"detector/observe"
)

// catRun is a shell starting cat, which reads file.
func catRun(file string, extra ...string) *observe.Sample {
	return &observe.Sample{Procs: []observe.Process{
		{Program: "/usr/bin/sh", Parent: -1, Items: []string{"child /usr/bin/cat", "exec /usr/bin/cat"}, Calls: []string{"clone", "execve", "wait4"}},
		{Program: "/usr/bin/cat", Parent: 0, Items: append([]string{"read /etc/ld.so.cache", "read " + file}, extra...), Calls: []string{"openat", "read", "write"}},
	}}
}

func fit(t *testing.T, beh []*observe.Sample, seqs [][][]string) *Model {
	t.Helper()
	s := algo.Samples{Rows: make([][]float64, len(beh)), Behaviour: beh, Seqs: seqs}
	a := algo.NewArgs(Spec, nil)
	if seqs == nil {
		a["sequence"] = "none"
	}
	d, err := Fit(s, a, algo.FitOptions{Jobs: 1})
	if err != nil {
		t.Fatal(err)
	}
	return d.(*Model)
}

func training(n int) []*observe.Sample {
	var beh []*observe.Sample
	for i := range n {
		beh = append(beh, catRun(fmt.Sprintf("/usr/share/doc/f%d.txt", i%12)))
		beh[i].Procs[1].Items = append(beh[i].Procs[1].Items, "read /etc/passwd")
	}
	return beh
}

func TestFindings(t *testing.T) {
	m := fit(t, training(34), nil)
	for _, tc := range []struct {
		name     string
		sample   *observe.Sample
		rule     string
		severity string
		message  string
	}{
		{"credential", catRun("/etc/shadow"), "profile-new-file", "WARNING",
			"cat read /etc/shadow; cat ran 34 times in training and never opened /etc/shadow"},
		{"folded folder", catRun("/usr/share/doc/other.txt"), "", "", ""},
		{"working folder", catRun("~/notes.txt"), "profile-new-file", "INFO",
			"cat read ~/notes.txt; cat ran 34 times in training and never opened ~/notes.txt"},
		{"new program", &observe.Sample{Procs: []observe.Process{{Program: "/usr/bin/nc", Parent: -1, Items: []string{"connect inet loopback:4444", "read /etc/shadow"}}}},
			"profile-new-program", "INFO", "nc never ran in training; it read /etc/shadow"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := m.Findings(algo.Samples{Behaviour: []*observe.Sample{tc.sample}})[0]
			if tc.rule == "" {
				if len(got) != 0 {
					t.Fatalf("findings %+v, want none", got)
				}
				return
			}
			if len(got) == 0 || got[0].Rule != tc.rule || got[0].Severity != tc.severity || !strings.HasPrefix(got[0].Message, tc.message) {
				t.Fatalf("findings %+v, want %s %s %q", got, tc.rule, tc.severity, tc.message)
			}
		})
	}
}

// A program seen once is known too little for a WARNING.
func TestSeverityGrowsWithRuns(t *testing.T) {
	beh := []*observe.Sample{catRun("/etc/passwd"), {Procs: []observe.Process{{Program: "/usr/bin/ls", Parent: -1, Items: []string{"read /etc"}}}}}
	m := fit(t, beh, nil)
	got := m.Findings(algo.Samples{Behaviour: []*observe.Sample{catRun("/etc/shadow")}})[0]
	if len(got) == 0 || got[0].Severity != "INFO" || !strings.Contains(got[0].Message, "cat ran 1 time in training") {
		t.Fatalf("%+v", got)
	}
}

// Deviations score lower than the training samples, worse ones lower
// still; a sample with nothing to judge by has no score (never normal).
func TestScoreOrder(t *testing.T) {
	m := fit(t, training(20), nil)
	s := m.Score(algo.Samples{Rows: make([][]float64, 4), Behaviour: []*observe.Sample{
		catRun("/usr/share/doc/f1.txt", "read /etc/passwd"),
		catRun("~/x"),
		catRun("/etc/shadow", "create /etc/cron.d/x", "read ~/.ssh/id_rsa"),
		nil,
	}})
	if !(s[0] > 0 && s[0] > s[1] && s[1] > s[2] && s[2] < 0) || !math.IsNaN(s[3]) {
		t.Fatalf("scores %v", s)
	}
	for i, v := range m.TrainingDecision() {
		if !(v > 0) {
			t.Fatalf("training sample %d scores %v", i, v)
		}
	}
}

// The sequence part carries samples without behaviour (the monitor, an
// ADFA-LD trace has its calls alone).
func TestSequencePart(t *testing.T) {
	beh := training(12)
	var seqs [][][]string
	for i := range beh {
		calls := []string{"execve", "openat", "read", "write", "close", "exit_group"}
		seqs = append(seqs, [][]string{calls[:4+i%3]})
	}
	m := fit(t, beh, seqs)
	if m.SeqAlgo != "ensemble" || m.seq == nil {
		t.Fatalf("no sequence part: %q", m.SeqAlgo)
	}
	s := m.Score(algo.Samples{Rows: make([][]float64, 2), Seqs: [][][]string{seqs[0], {{"socket", "connect", "dup2", "dup2", "execve"}}}})
	if !(s[0] > s[1]) || math.IsNaN(s[1]) {
		t.Fatalf("scores %v", s)
	}
	round := decode(t, encode(t, m), 1, len(beh))
	if got := round.Score(algo.Samples{Rows: make([][]float64, 1), Seqs: seqs[:1]}); got[0] != s[0] {
		t.Fatalf("decoded model scores %v, want %v", got[0], s[0])
	}
}

func encode(t *testing.T, m *Model) []byte {
	t.Helper()
	b, err := algo.Encode(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func decode(t *testing.T, b []byte, dim, n int) *Model {
	t.Helper()
	d, err := algo.Decode("profile", b, dim, n)
	if err != nil {
		t.Fatal(err)
	}
	return d.(*Model)
}

func TestMerge(t *testing.T) {
	a := fit(t, training(10), nil)
	b := fit(t, []*observe.Sample{catRun("/etc/hosts"), catRun("/etc/hosts"), {Procs: []observe.Process{{Program: "/usr/bin/id", Parent: -1, Items: []string{"read /etc/group"}}}}}, nil)
	m, err := Merge(a, b)
	if err != nil {
		t.Fatal(err)
	}
	if m.Samples != 13 || len(m.Train) != 13 {
		t.Fatalf("%d samples, %d decisions", m.Samples, len(m.Train))
	}
	cat := m.Programs[m.byName["/usr/bin/cat"]]
	if cat.Runs != 12 || cat.known["read /etc/hosts"] != 2 || cat.known["read /etc/passwd"] != 10 || cat.known["read /etc/ld.so.cache"] != 12 {
		t.Fatalf("cat: runs %d, %v", cat.Runs, cat.known)
	}
	if _, ok := m.byName["/usr/bin/id"]; !ok {
		t.Fatal("id lost")
	}
	// What either taught is known to the merge.
	if f := m.Findings(algo.Samples{Behaviour: []*observe.Sample{catRun("/etc/hosts")}})[0]; len(f) != 0 {
		t.Fatalf("findings %+v", f)
	}
	decode(t, encode(t, m), 1, 13)
	if _, err := m.Merge(nil); err == nil {
		t.Fatal("merged with a detector of another kind")
	}
}

// Hostile model files: each crafted field is refused by Validate, never
// a panic or a model that scores.
func TestValidateHostile(t *testing.T) {
	good := fit(t, training(6), nil)
	for name, edit := range map[string]func(m *Model){
		"programs out of order": func(m *Model) { m.Programs[0], m.Programs[1] = m.Programs[1], m.Programs[0] },
		"runs above samples":    func(m *Model) { m.Programs[0].Runs = 99 },
		"runs zero":             func(m *Model) { m.Programs[0].Runs = 0 },
		"seen above runs":       func(m *Model) { m.Programs[0].Seen[0] = m.Programs[0].Runs + 1 },
		"counts missing":        func(m *Model) { m.Programs[0].Seen = m.Programs[0].Seen[:1] },
		"items repeated":        func(m *Model) { m.Programs[0].Items[1] = m.Programs[0].Items[0] },
		"item malformed":        func(m *Model) { m.Programs[0].Items[0] = "x" },
		"long name":             func(m *Model) { m.Programs[1].Name = "/" + strings.Repeat("a", MaxNameLen) },
		"nan offset":            func(m *Model) { m.Tau = math.NaN() },
		"zero scale":            func(m *Model) { m.SeqScale = 0 },
		"infinite decision":     func(m *Model) { m.Train[0] = math.Inf(1) },
		"decisions missing":     func(m *Model) { m.Train = m.Train[:2] },
		"sequence part unnamed": func(m *Model) { m.Seq = []byte{1, 2, 3} },
		"sequence part bogus":   func(m *Model) { m.SeqAlgo, m.Seq, m.SeqSamples = "ensemble", []byte{1, 2, 3}, 6 },
		"sequence part itself":  func(m *Model) { m.SeqAlgo, m.Seq, m.SeqSamples = "profile", encode(t, good), 6 },
		"sequence part of more": func(m *Model) { m.SeqAlgo, m.Seq, m.SeqSamples = "ngram", []byte{1}, 7 },
		"unknown key":           func(m *Model) { m.Key = "md5" },
	} {
		t.Run(name, func(t *testing.T) {
			m := decode(t, encode(t, good), 1, 6)
			edit(m)
			if _, err := algo.Decode("profile", encode(t, m), 1, 6); err == nil {
				t.Fatal("crafted model accepted")
			}
		})
	}
	if _, err := algo.Decode("profile", encode(t, good), 1, 7); err == nil {
		t.Fatal("accepted for another number of samples")
	}
}

// FuzzDecode: a model file's profile state is attacker input; decoding
// never panics and what it accepts scores without panicking.
func FuzzDecode(f *testing.F) {
	m := &Model{}
	beh := training(6)
	d, err := Fit(algo.Samples{Rows: make([][]float64, 6), Behaviour: beh}, algo.Args{"sequence": "none"}, algo.FitOptions{})
	if err != nil {
		f.Fatal(err)
	}
	m = d.(*Model)
	var b bytes.Buffer
	if err := gob.NewEncoder(&b).Encode(m); err != nil {
		f.Fatal(err)
	}
	f.Add(b.Bytes())
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := algo.Decode("profile", data, 1, 6)
		if err != nil {
			return
		}
		d.Score(algo.Samples{Rows: make([][]float64, 2), Behaviour: beh[:2]})
		d.(algo.Finder).Findings(algo.Samples{Behaviour: beh[:2]})
	})
}

// What an item touches: a listing weighs less than a read of the same
// folder (a credential folder's as a system path's), a name lookup to a
// loopback or private resolver as the working folder, another connection
// to a private address as a credential read.
func TestClass(t *testing.T) {
	for _, c := range []struct {
		kind, obj string
		want      int
	}{
		{observe.KindRead, "/etc/ssh/sshd_config", classCritical},
		{observe.KindList, "/etc/ssh", classSystem},
		{observe.KindList, "/etc/cron.d", classSystem},
		{observe.KindRead, "/usr/share/doc/x", classSystem},
		{observe.KindList, "/usr/share/doc", classWork},
		{observe.KindConnect, "inet private:53", classWork},
		{observe.KindConnect, "inet loopback:53", classWork},
		{observe.KindConnect, "inet public:53", classCritical},
		{observe.KindBind, "inet private:53", classCritical},
		{observe.KindConnect, "inet private:443", classCritical},
		{observe.KindConnect, "inet loopback:4444", classSystem},
		{observe.KindExec, "./" + observe.Built, classSystem},
		{observe.KindExec, "~/v/bin/" + observe.Built, classSystem},
		{observe.KindExec, "/tmp/x", classCritical},
		{observe.KindExec, "~/.u", classCritical},
		{observe.KindWrite, "/dev/null", classWork},
		{observe.KindWrite, "/dev/pts/#", classWork},
		{observe.KindCreate, "/dev/tcp/127.0.0.1/#", classCritical},
		{observe.KindChild, "/usr/bin/sh /tmp/a.out", classCritical},
		{observe.KindChild, "/usr/bin/sh ~/two.sh", classSystem},
		{"call", "setuid", classCritical},
		{"call", "unshare", classSystem},
		{"call", "openat", classWork},
		{observe.KindRead, "/backup/shadow", classCritical},
		{observe.KindRead, "~/bin/read_shadow.sh", classWork},
	} {
		if got := class(c.kind, c.obj); got != c.want {
			t.Errorf("class(%s %s) = %d, want %d", c.kind, c.obj, got, c.want)
		}
	}
	for _, p := range Sensitive() {
		if !strings.HasPrefix(p, "/") || class(observe.KindRead, p) != classCritical {
			t.Errorf("sensitive path %q", p)
		}
	}
}

// keyedRun is catRun with the executables keyed by digest.
func keyedRun(catDigest string) *observe.Sample {
	sh, cat := "/usr/bin/sh@sha256:aa", "/usr/bin/cat@sha256:"+catDigest
	return &observe.Sample{Procs: []observe.Process{
		{Program: sh, Parent: -1, Items: []string{"child " + cat, "exec " + cat}, Calls: []string{"clone", "execve", "wait4"}},
		{Program: cat, Parent: 0, Items: []string{"read /etc/ld.so.cache", "read /etc/hostname"}, Calls: []string{"openat", "read", "write"}},
	}}
}

// A model keyed by sha256 takes a known path with a new digest for a
// replaced executable: a WARNING of its own once the path is well known,
// and a lower score than the program it replaced; models keyed
// differently do not merge; the key survives encoding.
func TestKeyedBySHA256(t *testing.T) {
	var beh []*observe.Sample
	for range 8 {
		beh = append(beh, keyedRun("bb"))
	}
	a := algo.NewArgs(Spec, nil)
	a["sequence"], a["key"] = "none", KeySHA256
	d, err := Fit(algo.Samples{Rows: make([][]float64, len(beh)), Behaviour: beh}, a, algo.FitOptions{Jobs: 1})
	if err != nil {
		t.Fatal(err)
	}
	m := d.(*Model)
	if m.Key != KeySHA256 || m.Params()["key"] != "sha256" {
		t.Fatalf("key %q, params %v", m.Key, m.Params())
	}
	s := algo.Samples{Rows: make([][]float64, 2), Behaviour: []*observe.Sample{keyedRun("bb"), keyedRun("cc")}}
	f := m.Findings(s)
	if len(f[0]) != 0 {
		t.Errorf("the known executable: findings %+v", f[0])
	}
	if len(f[1]) == 0 || f[1][0].Rule != "profile-new-digest" || f[1][0].Severity != "WARNING" ||
		f[1][0].Message != "cat ran with sha256 cc; cat ran 8 times in training, always another executable" {
		t.Errorf("the replaced executable: findings %+v", f[1])
	}
	if sc := m.Score(s); !(sc[1] < 0 && sc[0] > 0) {
		t.Errorf("scores %v: the replaced executable is not below 0 and the known one above", sc)
	}
	if got := decode(t, encode(t, m), 1, 8); got.Key != KeySHA256 {
		t.Errorf("decoded key %q", got.Key)
	}
	plain := fit(t, training(6), nil)
	if _, err := Merge(m, plain); !errors.Is(err, ErrKeys) {
		t.Errorf("merged models keyed differently: %v", err)
	}
	// Samples recorded without digests do not train a keyed model.
	if _, err := Fit(algo.Samples{Rows: make([][]float64, 6), Behaviour: training(6)}, a, algo.FitOptions{Jobs: 1}); err == nil {
		t.Error("a keyed model trained on samples without digests")
	}
	a["key"] = "md5"
	if err := check(a); err == nil {
		t.Error("--key md5 accepted")
	}
}

// What a program runs is never folded: a shell that started many
// programs of /usr/bin did not start them all, and starting a bare shell
// (one reading its commands from a pipe) is a deviation a shell's other
// children are not.
func TestExecNotFolded(t *testing.T) {
	var beh []*observe.Sample
	for i := range 30 {
		exe := fmt.Sprintf("/usr/bin/tool%d", i%10)
		beh = append(beh, &observe.Sample{Procs: []observe.Process{
			{Program: "/usr/bin/sh", Parent: -1, Items: []string{"child " + exe, "exec " + exe}},
			{Program: exe, Parent: 0},
		}})
	}
	m := fit(t, beh, nil)
	run := func(child string) []algo.Finding {
		exe, _, _ := strings.Cut(child, " ")
		s := &observe.Sample{Procs: []observe.Process{
			{Program: "/usr/bin/sh", Parent: -1, Items: []string{"child " + child, "exec " + exe}},
			{Program: "/usr/bin/tool1", Parent: 0},
		}}
		return m.Findings(algo.Samples{Behaviour: []*observe.Sample{s}})[0]
	}
	if f := run("/usr/bin/tool1"); len(f) != 0 {
		t.Errorf("a known child: %+v", f)
	}
	f := run("/usr/bin/sh -")
	if len(f) == 0 || f[0].Rule != "profile-new-exec" || !strings.Contains(f[0].Message, "sh started sh -") {
		t.Fatalf("a bare shell: %+v", f)
	}
	_, _, bare := m.judge(&observe.Sample{Procs: []observe.Process{{Program: "/usr/bin/sh", Parent: -1, Items: []string{"child /usr/bin/sh -"}}}})
	_, _, tool := m.judge(&observe.Sample{Procs: []observe.Process{{Program: "/usr/bin/sh", Parent: -1, Items: []string{"child /usr/bin/tool99"}}}})
	if !(bare > tool && tool > 0) {
		t.Errorf("penalties: a bare shell %v, a new system program %v", bare, tool)
	}
}

// A program never seen weighs more for what no program did in training
// (a new address, a credential read) than for what others did.
func TestNewProgramWeighsWhatItDid(t *testing.T) {
	m := fit(t, training(10), nil)
	pen := func(items ...string) float64 {
		_, _, p := m.judge(&observe.Sample{Procs: []observe.Process{{Program: "/usr/bin/new", Parent: -1, Items: items}}})
		return p
	}
	usual, addr, shadow := pen("read /etc/ld.so.cache", "read /etc/passwd"), pen("connect inet loopback:4444"), pen("read /etc/shadow")
	if !(usual == 1 && addr > usual && shadow > addr) {
		t.Errorf("penalties: usual reads %v, a new address %v, /etc/shadow %v", usual, addr, shadow)
	}
}

// A program that never connected anywhere in training and now does weighs
// more than one that connected elsewhere.
func TestNewKindWeighsMore(t *testing.T) {
	var beh []*observe.Sample
	for range 10 {
		beh = append(beh, &observe.Sample{Procs: []observe.Process{
			{Program: "/usr/bin/bash", Parent: -1, Items: []string{"read /etc/passwd"}},
			{Program: "/usr/bin/curl", Parent: 0, Items: []string{"connect inet loopback:80"}},
		}})
	}
	m := fit(t, beh, nil)
	pen := func(prog string) float64 {
		_, _, p := m.judge(&observe.Sample{Procs: []observe.Process{{Program: prog, Parent: -1, Items: []string{"connect inet loopback:4444"}}}})
		return p
	}
	if bash, curl := pen("/usr/bin/bash"), pen("/usr/bin/curl"); !(bash > curl && curl > 0) {
		t.Errorf("penalties: bash's first connection %v, curl's new address %v", bash, curl)
	}
}

// A tool's own credential folder (gpg's keyring) weighs as a system path
// for it, as a credential for any other program.
func TestOwnedCredentials(t *testing.T) {
	var beh []*observe.Sample
	for range 10 {
		beh = append(beh, &observe.Sample{Procs: []observe.Process{
			{Program: "/usr/bin/gpg", Parent: -1, Items: []string{"read /etc/hosts"}},
			{Program: "/usr/bin/cat", Parent: -1, Items: []string{"read /etc/hosts"}},
		}})
	}
	m := fit(t, beh, nil)
	pen := func(prog string) float64 {
		_, _, p := m.judge(&observe.Sample{Procs: []observe.Process{{Program: prog, Parent: -1, Items: []string{"read ~/.gnupg/pubring.kbx"}}}})
		return p
	}
	if gpg, cat := pen("/usr/bin/gpg"), pen("/usr/bin/cat"); !(cat > 3*gpg && gpg > 0) {
		t.Errorf("penalties: gpg reading its keyring %v, cat reading it %v", gpg, cat)
	}
}
