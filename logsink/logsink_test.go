package logsink

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"detector/rules"
)

// rfc5424 is the SYSLOG-MSG grammar of RFC 5424 section 6 for one
// SD-ELEMENT, as a regular expression: PRI VERSION SP TIMESTAMP SP
// HOSTNAME SP APP-NAME SP PROCID SP MSGID SP STRUCTURED-DATA SP MSG.
var rfc5424 = regexp.MustCompile(`^<(\d{1,3})>1 ` +
	`(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?(?:Z|[+-]\d{2}:\d{2})) ` +
	`([!-~]{1,255}) ([!-~]{1,48}) ([!-~]{1,128}) ([!-~]{1,32}) ` +
	`\[([!#-<>-Z^-~]{1,32})((?: [!#-<>-Z^-~]{1,32}="(?:[^"\\\]]|\\["\\\]])*")*)\] ` +
	`(.*)$`)

var param = regexp.MustCompile(` ([!#-<>-Z^-~]{1,32})="((?:[^"\\\]]|\\["\\\]])*)"`)

// parse5424 checks m against the grammar and returns its parts.
func parse5424(t *testing.T, m string) (pri int, header []string, params map[string]string, msg string) {
	t.Helper()
	g := rfc5424.FindStringSubmatch(m)
	if g == nil {
		t.Fatalf("not an RFC 5424 message: %q", m)
	}
	pri, _ = strconv.Atoi(g[1])
	if pri > 191 {
		t.Fatalf("PRI %d out of range", pri)
	}
	if _, err := time.Parse(time.RFC3339Nano, g[2]); err != nil {
		t.Fatalf("TIMESTAMP %q: %v", g[2], err)
	}
	params = map[string]string{}
	for _, p := range param.FindAllStringSubmatch(g[8], -1) {
		v := strings.NewReplacer(`\"`, `"`, `\\`, `\`, `\]`, `]`).Replace(p[2])
		params[p[1]] = v
	}
	if g[7] != SDID {
		t.Errorf("SD-ID %q, want %q", g[7], SDID)
	}
	return pri, g[3:7], params, g[9]
}

func sample() (*rules.LogRecord, []byte) {
	r := &rules.LogRecord{Timestamp: "2026-12-07T00:01:02.123456789Z", Host: "h", Tool: "detector", Kind: "alert",
		Rule: "read-shadow", Severity: rules.Warning, Process: &rules.Process{PID: 4242, Exe: "/usr/bin/cat", Argv: []string{"cat", `a"b]c\d`}},
		Evidence: []rules.Evidence{}, Count: 1, Source: "ebpf"}
	b, _ := json.Marshal(r)
	return r, append(b, '\n')
}

func TestFormat5424Grammar(t *testing.T) {
	r, line := sample()
	cases := []struct {
		name string
		r    rules.LogRecord
		o    Options
		pri  int
	}{
		{"warning", *r, Options{Host: "web-1", PID: 7}, 10*8 + 4},
		{"alert", func() rules.LogRecord { c := *r; c.Severity = rules.Alert; return c }(), Options{Host: "h"}, 10*8 + 1},
		{"drop, no host", rules.LogRecord{Timestamp: "bad", Kind: "drop", Lost: 3}, Options{}, 10*8 + 4},
		{"odd strings", func() rules.LogRecord { c := *r; c.Rule = `x"]\y`; return c }(), Options{Host: "a b\x00ü", App: strings.Repeat("n", 60)}, 10*8 + 4},
		{"process", rules.LogRecord{Timestamp: r.Timestamp, Kind: "process", Process: &rules.Process{PID: 1}}, Options{Host: "h"}, 10*8 + 6},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := string(Format5424(&c.r, line, c.o))
			pri, header, params, msg := parse5424(t, m)
			if pri != c.pri {
				t.Errorf("PRI %d, want %d", pri, c.pri)
			}
			if header[3] != c.r.Kind {
				t.Errorf("MSGID %q, want %q", header[3], c.r.Kind)
			}
			if c.r.Rule != "" && params["rule"] != c.r.Rule {
				t.Errorf("rule %q, want %q", params["rule"], c.r.Rule)
			}
			if params["severity"] != c.r.Severity.String() || params["kind"] != c.r.Kind {
				t.Errorf("params %v", params)
			}
			if c.r.Process != nil && params["pid"] != strconv.Itoa(c.r.Process.PID) {
				t.Errorf("pid %q", params["pid"])
			}
			if msg != strings.TrimSuffix(string(line), "\n") || !json.Valid([]byte(msg)) {
				t.Errorf("MSG %q", msg)
			}
		})
	}
	m := string(Format5424(r, line, Options{Host: "h"}))
	if !strings.Contains(m, " 2026-12-07T00:01:02.123456Z ") {
		t.Errorf("the record's time to the microsecond, in UTC: %s", m)
	}
}

func TestIsSpec(t *testing.T) {
	for s, want := range map[string]bool{"journal": true, "syslog": true, "syslog:udp://127.0.0.1:514": true, "./journal": false, "log.jsonl": false, "-": false} {
		if IsSpec(s) != want {
			t.Errorf("IsSpec(%q) = %v", s, !want)
		}
	}
	for _, bad := range []string{"syslog:udp", "syslog:http://x:1", "syslog:tcp://nohost", "syslog:udp://"} {
		if _, err := Open(bad, Options{}); err == nil {
			t.Errorf("Open(%q) accepted", bad)
		}
	}
}

// A UDP collector on loopback receives each record as one RFC 5424
// datagram.
func TestUDP(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	s, err := Open("syslog:udp://"+pc.LocalAddr().String(), Options{Host: "h"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	r, line := sample()
	if err := s.WriteRecord(r, line); err != nil {
		t.Fatal(err)
	}
	pc.SetReadDeadline(time.Now().Add(30 * time.Second))
	buf := make([]byte, 1<<16)
	n, _, err := pc.ReadFrom(buf)
	if err != nil {
		t.Fatal(err)
	}
	_, _, params, msg := parse5424(t, string(buf[:n]))
	if params["rule"] != "read-shadow" || !json.Valid([]byte(msg)) {
		t.Errorf("got %q", buf[:n])
	}
}

// A TCP collector reads octet-counted frames (RFC 6587 section 3.4.1).
func TestTCPOctetCounting(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	s, err := Open("syslog:tcp://"+ln.Addr().String(), Options{Host: "h"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	conn, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	r, line := sample()
	for i := 0; i < 3; i++ {
		if err := s.WriteRecord(r, line); err != nil {
			t.Fatal(err)
		}
	}
	conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	br := bufio.NewReader(conn)
	for i := 0; i < 3; i++ {
		n, err := br.ReadString(' ')
		if err != nil {
			t.Fatal(err)
		}
		size, err := strconv.Atoi(strings.TrimSuffix(n, " "))
		if err != nil || size < 1 {
			t.Fatalf("frame length %q", n)
		}
		frame := make([]byte, size)
		if _, err := io.ReadFull(br, frame); err != nil {
			t.Fatal(err)
		}
		parse5424(t, string(frame))
	}
	conn.Close()
}

// The local socket gets the form syslog(3) writes, with the JSON object
// whole.
func TestLocal(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log")
	pc, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	s, err := DialLocal(path, Options{PID: 99})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	r, line := sample()
	if err := s.WriteRecord(r, line); err != nil {
		t.Fatal(err)
	}
	pc.SetReadDeadline(time.Now().Add(30 * time.Second))
	buf := make([]byte, 1<<16)
	n, err := pc.Read(buf)
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`^<84>[A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2} detector\[99\]: (\{.*\})$`).FindSubmatch(buf[:n])
	if m == nil || !json.Valid(m[1]) {
		t.Errorf("got %q", buf[:n])
	}
	if _, err := DialLocal(filepath.Join(t.TempDir(), "none"), Options{}); err == nil {
		t.Error("a missing socket was accepted")
	}
}

func TestJournalFields(t *testing.T) {
	r, _ := sample()
	f := JournalFields(r, Options{})
	for k, v := range map[string]string{"SYSLOG_IDENTIFIER": "detector", "DETECTOR_RULE": "read-shadow", "DETECTOR_SEVERITY": "WARNING", "DETECTOR_PID": "4242", "DETECTOR_KIND": "alert", "DETECTOR_SOURCE": "ebpf"} {
		if f[k] != v {
			t.Errorf("%s = %q, want %q", k, f[k], v)
		}
	}
	for k := range f {
		if !regexp.MustCompile(`^[A-Z][A-Z0-9_]*$`).MatchString(k) {
			t.Errorf("field name %q is not a journal field name", k)
		}
	}
}

// A collector that goes away and comes back on the same address gets
// the records written meanwhile, in order, and the sink says when the
// outage began and ended; no record is an error for the log.
func TestTCPOutage(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	var mu sync.Mutex
	var warnings []string
	warned := func() int { mu.Lock(); defer mu.Unlock(); return len(warnings) }
	s, err := Open("syslog:tcp://"+addr, Options{Host: "h", Warn: func(f string, a ...any) {
		mu.Lock()
		warnings = append(warnings, fmt.Sprintf(f, a...))
		mu.Unlock()
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	conn, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	conn.Close()
	ln.Close()
	r, line := sample()
	// Writes into a closed connection fail once the peer's reset is
	// back; until then the kernel takes them.
	deadline := time.Now().Add(30 * time.Second)
	for warned() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no warning that the collector went away")
		}
		if err := s.WriteRecord(r, line); err != nil {
			t.Fatalf("a record during an outage is an error: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	// Written during the outage: they must come, in order.
	for i := 0; i < 5; i++ {
		c := *r
		c.Rule = fmt.Sprintf("outage-%d", i)
		if err := s.WriteRecord(&c, line); err != nil {
			t.Fatal(err)
		}
	}
	ln, err = net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("the address cannot be listened on again: %v", err)
	}
	defer ln.Close()
	got := make(chan []string, 1)
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			close(got)
			return
		}
		defer conn.Close()
		conn.SetReadDeadline(time.Now().Add(60 * time.Second))
		br := bufio.NewReader(conn)
		var rules []string
		for {
			n, err := br.ReadString(' ')
			if err != nil {
				break
			}
			size, _ := strconv.Atoi(strings.TrimSuffix(n, " "))
			frame := make([]byte, size)
			if _, err := io.ReadFull(br, frame); err != nil {
				break
			}
			m := regexp.MustCompile(`rule="([^"]*)"`).FindSubmatch(frame)
			if m != nil {
				rules = append(rules, string(m[1]))
			}
			if m != nil && string(m[1]) == "after" {
				break
			}
		}
		got <- rules
	}()
	// The sink dials again at a record, at most every second.
	after := *r
	after.Rule = "after"
	for end := time.Now().Add(30 * time.Second); warned() < 2 && time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		s.WriteRecord(&after, line)
	}
	rules := <-got
	var outage []string
	for _, x := range rules {
		if strings.HasPrefix(x, "outage-") {
			outage = append(outage, x)
		}
	}
	if strings.Join(outage, " ") != "outage-0 outage-1 outage-2 outage-3 outage-4" {
		t.Errorf("after the outage the collector got %v", rules)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(warnings) != 2 || !strings.Contains(warnings[1], "answers again") {
		t.Errorf("warnings %q", warnings)
	}
}
