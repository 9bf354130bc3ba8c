package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The monitor as a service: SIGHUP reopens its log (logrotate), SIGTERM
// drains and flushes it, --metrics serves Prometheus metrics, --log
// sends records to syslog or the journal.

// serviceDeadline is how long a test waits for an effect it can see
// (a line on stderr, a record in a log): generous, for a busy machine.
const serviceDeadline = 60 * time.Second

// daemon is a monitor started by a test, its stderr collected.
type daemon struct {
	t      *testing.T
	cmd    *exec.Cmd
	mu     sync.Mutex
	stderr strings.Builder
	copied chan struct{}
}

// startDaemon starts detector monitor with args and waits for stderr to
// say ready (the probes are attached, or the source named).
func startDaemon(t *testing.T, ready string, args ...string) *daemon {
	t.Helper()
	d := &daemon{t: t, copied: make(chan struct{})}
	d.cmd = exec.Command(binary, append([]string{"monitor"}, args...)...)
	d.cmd.Env = append(os.Environ(), "XDG_DATA_HOME="+t.TempDir())
	errPipe, _ := d.cmd.StderrPipe()
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		defer close(d.copied)
		sc := bufio.NewScanner(errPipe)
		for sc.Scan() {
			d.mu.Lock()
			d.stderr.WriteString(sc.Text() + "\n")
			d.mu.Unlock()
		}
		io.Copy(io.Discard, errPipe)
	}()
	t.Cleanup(func() {
		if d.cmd.ProcessState == nil {
			d.cmd.Process.Kill()
			d.cmd.Wait()
		}
	})
	d.waitStderr(ready)
	return d
}

func (d *daemon) errText() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.stderr.String()
}

// waitStderr waits until stderr holds s, and returns its line.
func (d *daemon) waitStderr(s string) string {
	d.t.Helper()
	for end := time.Now().Add(serviceDeadline); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		for _, l := range strings.Split(d.errText(), "\n") {
			if strings.Contains(l, s) {
				return l
			}
		}
		select {
		case <-d.copied:
			d.cmd.Wait()
			d.t.Fatalf("monitor ended before saying %q: %s", s, d.errText())
		default:
		}
	}
	d.t.Fatalf("monitor did not say %q within %v: %s", s, serviceDeadline, d.errText())
	return ""
}

// stop sends sig and waits for the monitor to end; it returns the exit
// status.
func (d *daemon) stop(sig syscall.Signal) int {
	d.t.Helper()
	d.cmd.Process.Signal(sig)
	done := make(chan struct{})
	go func() { d.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(serviceDeadline):
		d.cmd.Process.Kill()
		<-done
		d.t.Fatalf("monitor did not end within %v of %v: %s", serviceDeadline, sig, d.errText())
	}
	<-d.copied
	return d.cmd.ProcessState.ExitCode()
}

// markerArgv is the argument that names marker i of a test run.
func markerArgv(tag string, i int) string { return fmt.Sprintf("detector-marker-%s-%d", tag, i) }

// markers reads the complete lines of the log files and counts, for
// each, the process records of markers tagged tag (by the marker's
// number).
func markers(t *testing.T, tag string, files ...string) []map[int]int {
	t.Helper()
	re := regexp.MustCompile(`detector-marker-` + regexp.QuoteMeta(tag) + `-(\d+)`)
	var out []map[int]int
	for _, f := range files {
		b, _ := os.ReadFile(f)
		if i := bytes.LastIndexByte(b, '\n'); i >= 0 {
			b = b[:i+1]
		} else {
			b = nil
		}
		seen := map[int]int{}
		for _, r := range logRecords(t, string(b)) {
			if r["kind"] != "process" {
				continue
			}
			p, _ := r["process"].(map[string]any)
			argv, _ := p["argv"].([]any)
			for _, a := range argv {
				if m := re.FindStringSubmatch(fmt.Sprint(a)); m != nil {
					n, _ := strconv.Atoi(m[1])
					seen[n]++
				}
			}
		}
		out = append(out, seen)
	}
	return out
}

// runMarker runs /bin/true with the marker's argument; the ebpf source
// logs a process record of it when it ends.
func runMarker(t *testing.T, tag string, i int) {
	if err := exec.Command("/bin/true", markerArgv(tag, i)).Run(); err != nil {
		t.Errorf("marker %d: %v", i, err)
	}
}

// kill -HUP after the log was renamed: records go to a new file of the
// log's name from then on, the earlier ones stay in the renamed file, and
// none is lost or written twice, while processes keep ending throughout.
func TestMonitorHangupReopensLog(t *testing.T) {
	needEBPF(t)
	dir := t.TempDir()
	logFile := filepath.Join(dir, "detector.jsonl")
	d := startDaemon(t, "probes attached", "--source", "ebpf", "--rules", "off", "--processes", "--log", logFile)
	const n = 60
	tag := strconv.Itoa(os.Getpid())
	for i := 0; i < n/3; i++ {
		runMarker(t, tag, i)
	}
	// The first third is written before the rotation.
	for end := time.Now().Add(serviceDeadline); len(markers(t, tag, logFile)[0]) < n/3; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("the first %d markers were not logged within %v", n/3, serviceDeadline)
		}
	}
	// Rotate while markers keep running.
	running := make(chan struct{})
	go func() {
		defer close(running)
		for i := n / 3; i < 2*n/3; i++ {
			runMarker(t, tag, i)
		}
	}()
	if err := os.Rename(logFile, logFile+".1"); err != nil {
		t.Fatal(err)
	}
	d.cmd.Process.Signal(syscall.SIGHUP)
	d.waitStderr("SIGHUP: log reopened")
	<-running
	for i := 2 * n / 3; i < n; i++ {
		runMarker(t, tag, i)
	}
	// Wait for every marker's record, by content.
	var got []map[int]int
	for end := time.Now().Add(serviceDeadline); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		got = markers(t, tag, logFile+".1", logFile)
		if len(got[0])+len(got[1]) >= n {
			break
		}
	}
	if code := d.stop(syscall.SIGTERM); code != 0 {
		t.Fatalf("monitor: exit %d: %s", code, d.errText())
	}
	got = markers(t, tag, logFile+".1", logFile)
	for i := 0; i < n; i++ {
		total := got[0][i] + got[1][i]
		switch {
		case total != 1:
			t.Errorf("marker %d: %d records in the old file, %d in the new one, want one in all", i, got[0][i], got[1][i])
		case i < n/3 && got[0][i] != 1:
			t.Errorf("marker %d was logged before the rotation but is in the new file", i)
		case i >= 2*n/3 && got[1][i] != 1:
			t.Errorf("marker %d ended after the reopen but is in the old file", i)
		}
	}
	if strings.Contains(d.errText(), "warning") {
		t.Errorf("stderr: %s", d.errText())
	}
}

// kill -TERM while a workload keeps starting processes: the monitor
// judges what its probes delivered, writes every record, and exits 0.
// Each marker ended before SIGTERM was sent, so its exit is in the ring
// or the queue at the latest: only an event the log reports lost (a drop
// record) may miss.
func TestMonitorTermUnderLoad(t *testing.T) {
	needEBPF(t)
	dir := t.TempDir()
	logFile := filepath.Join(dir, "detector.jsonl")
	d := startDaemon(t, "probes attached", "--source", "ebpf", "--processes", "--log", logFile)
	load := exec.Command("sh", "-c", "while :; do /bin/true; cat /etc/hostname >/dev/null; done")
	if err := load.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { load.Process.Kill(); load.Wait() }()
	const n = 300
	tag := strconv.Itoa(os.Getpid())
	for i := 0; i < n; i++ {
		runMarker(t, tag, i)
	}
	code := d.stop(syscall.SIGTERM)
	if code != 0 || !strings.Contains(d.errText(), "stopped by a signal; log flushed") {
		t.Fatalf("monitor: exit %d: %s", code, d.errText())
	}
	b, _ := os.ReadFile(logFile)
	if len(b) > 0 && b[len(b)-1] != '\n' {
		t.Error("the log ends in a partial line")
	}
	var lost float64
	for _, r := range logRecords(t, string(b)) {
		if r["kind"] == "drop" {
			lost += r["lost"].(float64)
		}
	}
	got := markers(t, tag, logFile)[0]
	missing := 0
	for i := 0; i < n; i++ {
		if got[i] != 1 {
			missing++
		}
	}
	if float64(missing) > lost {
		t.Errorf("%d of %d markers have no record, and the log reports %v events lost", missing, n, lost)
	}
	t.Logf("%d markers, %d missing, %v events lost; log %d bytes", n, missing, lost, len(b))
}

// metricsText fetches the metrics page with net/http.
func metricsText(t *testing.T, url string) string {
	t.Helper()
	c := &http.Client{Timeout: 30 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		t.Fatalf("get %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("get %s: %s", url, resp.Status)
	}
	return string(b)
}

// metricValue is the value of the sample whose name and labels begin
// with prefix (0 when there is none).
func metricValue(text, prefix string) float64 {
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(l, prefix) {
			f := strings.Fields(l)
			v, _ := strconv.ParseFloat(f[len(f)-1], 64)
			return v
		}
	}
	return 0
}

// documentedMetrics are the metrics the README's Metrics section lists.
var documentedMetrics = []string{
	"detector_events_received_total", "detector_events_dropped_total", "detector_processes_tracked",
	"detector_records_written_total", "detector_ring_buffer_fill_ratio", "detector_ring_buffer_size_bytes",
	"detector_cpu_user_seconds_total", "detector_model_score_seconds", "process_cpu_seconds_total",
}

// --metrics 127.0.0.1:0 serves the documented metrics during a run, with
// the events the source delivered and the records written by rule and
// severity; the README documents each one.
func TestMonitorMetrics(t *testing.T) {
	needEBPF(t)
	d := startDaemon(t, "probes attached", "--source", "ebpf", "--ring-size", "4KiB", "--metrics", "127.0.0.1:0", "--log", filepath.Join(t.TempDir(), "log"))
	m := regexp.MustCompile(`metrics on (http://127\.0\.0\.1:\d+/metrics)`).FindStringSubmatch(d.errText())
	if m == nil {
		t.Fatalf("no metrics address on stderr: %s", d.errText())
	}
	var text string
	for end := time.Now().Add(serviceDeadline); time.Now().Before(end); time.Sleep(200 * time.Millisecond) {
		exec.Command("cat", "/etc/shadow").Run()
		text = metricsText(t, m[1])
		if metricValue(text, `detector_events_received_total{kind="exec",source="ebpf"}`) > 0 &&
			metricValue(text, `detector_events_received_total{kind="call",source="ebpf"}`) > 0 &&
			metricValue(text, `detector_records_written_total{kind="alert",rule="read-shadow",severity=`) > 0 &&
			metricValue(text, "detector_processes_tracked") > 0 {
			break
		}
	}
	if code := d.stop(syscall.SIGTERM); code != 0 {
		t.Fatalf("monitor: exit %d: %s", code, d.errText())
	}
	for _, want := range []string{`detector_events_received_total{kind="exec",source="ebpf"}`, `detector_events_received_total{kind="call",source="ebpf"}`,
		`detector_records_written_total{kind="alert",rule="read-shadow",severity=`, "detector_processes_tracked", "detector_ring_buffer_size_bytes", "detector_cpu_user_seconds_total"} {
		if metricValue(text, want) <= 0 {
			t.Errorf("%s is not above 0:\n%s", want, text)
		}
	}
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range documentedMetrics {
		if !strings.Contains(text, "\n"+name) && !strings.Contains(text, "# TYPE "+name+" ") {
			t.Errorf("%s is not served", name)
		}
		if !bytes.Contains(readme, []byte("`"+name+"`")) {
			t.Errorf("%s is not documented in the README", name)
		}
	}
	wantError(t, run(t, nil, "monitor", "--source", "proc", "--metrics", "nohostport"), "--metrics")
}

// --log syslog:udp://127.0.0.1:PORT: a listener on loopback receives each
// record as an RFC 5424 message with the rule and severity as
// structured data and the JSON object as the message.
func TestMonitorSyslogUDP(t *testing.T) {
	needEBPF(t)
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	d := startDaemon(t, "probes attached", "--source", "ebpf", "--log", "syslog:udp://"+pc.LocalAddr().String())
	got := make(chan string, 1)
	go func() {
		buf := make([]byte, 1<<16)
		pc.SetReadDeadline(time.Now().Add(serviceDeadline))
		for {
			n, _, err := pc.ReadFrom(buf)
			if err != nil {
				close(got)
				return
			}
			if bytes.Contains(buf[:n], []byte(`rule="read-shadow"`)) {
				got <- string(buf[:n])
				return
			}
		}
	}()
	// cat /etc/shadow until its record comes (an event lost on a busy
	// machine is not what this test is about).
	var msg string
	var ok bool
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
wait:
	for {
		exec.Command("cat", "/etc/shadow").Run()
		select {
		case msg, ok = <-got:
			break wait
		case <-tick.C:
		}
	}
	if code := d.stop(syscall.SIGTERM); code != 0 {
		t.Errorf("monitor: exit %d: %s", code, d.errText())
	}
	if !ok {
		t.Fatalf("no read-shadow record received within %v", serviceDeadline)
	}
	re := regexp.MustCompile(`^<(\d+)>1 \S+ \S+ detector \d+ alert \[detector@32473 kind="alert" rule="read-shadow" severity="(\w+)" source="ebpf" pid="\d+"\] (\{.*\})$`)
	g := re.FindStringSubmatch(msg)
	if g == nil {
		t.Fatalf("not the RFC 5424 message expected: %q", msg)
	}
	if pri, _ := strconv.Atoi(g[1]); pri/8 != 10 || !strings.Contains(g[3], `"rule":"read-shadow"`) {
		t.Errorf("PRI %s, MSG %s", g[1], g[3])
	}
}

// --log journal: records appear in the journal with their fields, where
// systemd-journald runs; where it does not, the monitor says so and
// exits 2.
func TestMonitorJournal(t *testing.T) {
	if _, err := os.Stat("/run/systemd/journal/socket"); err != nil {
		r := run(t, nil, "monitor", "--source", "proc", "--log", "journal")
		wantError(t, r, "journal is not running")
		t.Skip("systemd-journald does not run here (no /run/systemd/journal/socket): the journal's records are not checked")
	}
	needEBPF(t)
	if _, err := exec.LookPath("journalctl"); err != nil {
		t.Skip("journalctl is not installed")
	}
	since := time.Now().Add(-time.Second).Format("2006-01-02 15:04:05")
	d := startDaemon(t, "probes attached", "--source", "ebpf", "--log", "journal")
	var out []byte
	for end := time.Now().Add(serviceDeadline); time.Now().Before(end); time.Sleep(200 * time.Millisecond) {
		exec.Command("cat", "/etc/shadow").Run()
		out, _ = exec.Command("journalctl", "-o", "json", "--since", since, "SYSLOG_IDENTIFIER=detector", "DETECTOR_RULE=read-shadow").Output()
		if len(bytes.TrimSpace(out)) > 0 {
			break
		}
	}
	if code := d.stop(syscall.SIGTERM); code != 0 {
		t.Errorf("monitor: exit %d: %s", code, d.errText())
	}
	first, _, _ := bytes.Cut(out, []byte("\n"))
	for _, want := range []string{`"DETECTOR_RULE":"read-shadow"`, `"DETECTOR_SEVERITY":"`, `"PRIORITY":"4"`, `"DETECTOR_PID":"`} {
		if !bytes.Contains(first, []byte(want)) {
			t.Errorf("journal entry lacks %s: %s", want, first)
		}
	}
}
