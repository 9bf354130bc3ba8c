package monitor

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"detector/algo"
	"detector/ebpfevents"
	"detector/model"
	"detector/observe"
	"detector/profile"
	"detector/rules"
	"detector/trace"
)

func init() { algo.Register(profile.Spec) }

// capture is a real strace capture of sh -c 'cat /etc/passwd > out.txt;
// python3 -c ...; mkdir -p d; echo hi > d/x'.
const capture = "../observe/testdata/sh-cat-python.strace"

// feed runs a capture (with replacements old, new, ...) through a stream
// of cfg and closes it.
func feed(t *testing.T, cfg Config, repl ...string) {
	t.Helper()
	data, err := os.ReadFile(capture)
	if err != nil {
		t.Fatal(err)
	}
	text := strings.NewReplacer(repl...).Replace(string(data))
	s := NewStream(cfg, "test")
	if _, err := trace.ParseEvents(strings.NewReader(text), s.Event); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

// learnedModel is the model of the capture seen in each of runs periods of a
// minute's learning.
func learnedModel(t *testing.T, runs int) *model.Model {
	t.Helper()
	c := &clock{time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)}
	l := NewLearner(time.Minute, c.now)
	for range runs {
		feed(t, Config{Learn: l})
		c.t = c.t.Add(time.Minute / Periods)
	}
	m, err := l.Model(LearnInfo{Host: "test-host", Source: "strace", ToolVersion: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// record is the part of an alert log record the tests read.
type record struct {
	Kind, Rule, Severity, Message string
	Process                       *rules.Process
}

func records(t *testing.T, buf *bytes.Buffer) []record {
	t.Helper()
	var out []record
	sc := bufio.NewScanner(buf)
	for sc.Scan() {
		var r record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("%v: %s", err, sc.Text())
		}
		out = append(out, r)
	}
	return out
}

// Learning from a live tree and judging with what was learned: the
// learned model says where it was learned, knows the capture's programs as
// seen in every period, survives saving and loading, and finds the same
// work ordinary (no WARNING) and cat reading /etc/shadow a WARNING
// profile finding.
func TestLearnThenJudge(t *testing.T) {
	m := learnedModel(t, 10)
	if o := m.Origin; o == nil || o.Host != "test-host" || o.Source != "strace" || m.Samples != 10 {
		t.Fatalf("origin %+v, %d samples", m.Origin, m.Samples)
	}
	if p := m.Parameters(); p["programs"] != "4" || p["sequence"] != "none" {
		t.Errorf("parameters %v", p)
	}
	var file bytes.Buffer
	if err := model.Encode(&file, m); err != nil {
		t.Fatal(err)
	}
	m, err := model.Decode(&file)
	if err != nil {
		t.Fatal(err)
	}
	judge := func(repl ...string) []record {
		var buf bytes.Buffer
		feed(t, Config{Model: m, Source: "strace", Log: rules.NewAlertLog(&buf, rules.LogOptions{})}, repl...)
		return records(t, &buf)
	}
	for _, r := range judge() {
		if r.Severity == "WARNING" || r.Severity == "ALERT" {
			t.Errorf("the learned work itself: %+v", r)
		}
	}
	found := false
	for _, r := range judge("/etc/passwd", "/etc/shadow") {
		if r.Rule == "profile-new-file" && r.Severity == "WARNING" && strings.Contains(r.Message, "cat read /etc/shadow") &&
			r.Kind == "model" && r.Process != nil && r.Process.Exe == "/usr/bin/cat" {
			found = true
		}
	}
	if !found {
		t.Errorf("no WARNING profile-new-file record for cat reading /etc/shadow")
	}
}

// One period is no model: the learner says it learned too little.
func TestLearnTooLittle(t *testing.T) {
	l := NewLearner(time.Hour, nil)
	feed(t, Config{Learn: l})
	if _, err := l.Model(LearnInfo{Host: "h", Source: "ebpf"}); !errors.Is(err, ErrLearnedTooLittle) {
		t.Errorf("one period: %v, want ErrLearnedTooLittle", err)
	}
}

// A hostile host cannot make the learned model unbounded: a program that
// touches ten thousand files in one folder keeps FoldKeep of them
// (the folder is known whole from profile.FoldChildren on), one that
// touches one file in each of more than profile.MaxItems folders keeps
// profile.MaxItems items, and programs past profile.MaxPrograms are not
// learned; what is left out is counted, and the model is still valid.
func TestLearnBounded(t *testing.T) {
	c := &clock{time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)}
	l := NewLearner(time.Minute, c.now)
	one := observe.Process{Program: "/usr/bin/one-folder"}
	many := observe.Process{Program: "/usr/bin/many-folders"}
	for i := range profile.MaxItems + 1000 {
		if i < 10_000 {
			one.Items = append(one.Items, fmt.Sprintf("create /srv/x/f%d", i))
		}
		many.Items = append(many.Items, fmt.Sprintf("create /srv/d%d/f", i))
	}
	l.add(one)
	l.add(many)
	c.t = c.t.Add(time.Minute / Periods)
	l.add(one)
	_, _, items, dropped := l.Stats()
	if items > FoldKeep+profile.MaxItems || dropped == 0 {
		t.Errorf("%d items learned, %d dropped", items, dropped)
	}
	m, err := l.Model(LearnInfo{Host: "h", Source: "ebpf"})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := model.Encode(&buf, m); err != nil {
		t.Fatal(err)
	}
	if _, err := model.Decode(&buf); err != nil {
		t.Fatal(err)
	}
	// The folded folder is known whole: a new file there is no finding.
	var log bytes.Buffer
	s := NewStream(Config{Model: m, Source: "ebpf", Log: rules.NewAlertLog(&log, rules.LogOptions{})}, "test")
	im := &image{program: one.Program, exe: one.Program, extra: map[string]bool{"create /srv/x/new": true}}
	s.judge(im, im.process())
	for _, r := range records(t, &log) {
		if r.Rule == "profile-new-file" {
			t.Errorf("a file in a folded folder: %+v", r)
		}
	}
}

// Programs past profile.MaxPrograms are not learned, and counted.
func TestLearnBoundedPrograms(t *testing.T) {
	l := NewLearner(time.Minute, nil)
	for i := range profile.MaxPrograms + 10 {
		l.add(observe.Process{Program: fmt.Sprintf("/opt/p%d", i), Items: []string{"read /etc/hosts"}})
	}
	if _, programs, _, dropped := l.Stats(); programs != profile.MaxPrograms || dropped != 10 {
		t.Errorf("%d programs, %d dropped", programs, dropped)
	}
}

// Past MaxImages followed at once (here lowered to 100), a new image ends
// the oldest of its stream (learned as if it exited): exits the source
// lost cannot stop learning for good.
func TestImagesBounded(t *testing.T) {
	before := liveImages.Load()
	imageLimit = before + 100
	defer func() { imageLimit = MaxImages }()
	l := NewLearner(time.Minute, nil)
	s := NewStream(Config{Learn: l}, "test")
	for pid := 1; pid <= 110; pid++ {
		c := ebpfevents.ExecCall(pid, "/usr/bin/sleep", []string{"sleep", "1"})
		if err := s.Event(&trace.Event{Kind: trace.EventExec, PID: pid, Call: c}); err != nil {
			t.Fatal(err)
		}
	}
	if n := liveImages.Load() - before; n > 100 {
		t.Errorf("%d images followed", n)
	}
	if images, _, _, _ := l.Stats(); images < 10 {
		t.Errorf("%d images ended to make room, want 10 or more", images)
	}
	s.Close()
	if n := liveImages.Load(); n != before {
		t.Errorf("%d images still counted after Close, want %d", n, before)
	}
}
