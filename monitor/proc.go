package monitor

import (
	"context"
	"fmt"
	"net"
	"os"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/procfs"

	"detector/procmetrics"
	"detector/rules"
)

// Checks of the /proc source that no syscall rule makes: a process whose
// executable was deleted after it started. The others share the ids of
// the syscall rules that catch the same behaviour, so that allow-lists
// and cooldowns treat both alike.
const (
	RuleExeDeleted = "exe-deleted"
)

// ProcWatcher polls the process table for what a listing shows: programs
// run from temporary or download folders or deleted since they started,
// programs no package owns, shells started by servers, listening sockets
// and outbound connections. It sees no system calls, and every record it
// writes says so ("syscalls": false). It needs no privilege: processes it
// may not inspect (other users', without root) are passed over.
type ProcWatcher struct {
	cfg  Config
	fs   procfs.FS
	self int
	// seen holds what was already logged, by process (pid and start
	// time) and finding, so that a long-lived condition is logged once.
	seen map[seenKey]bool

	tempDirs, shells, servers []string
	loopback                  []*net.IPNet
	backdoor                  []int
	tracked                   atomic.Int64 // processes in the last poll
}

type seenKey struct {
	pid    int
	start  uint64
	rule   string
	detail string
}

// NewProcWatcher returns a watcher of the /proc file system at root
// ("/proc" when empty). The rule set gives the lists the checks use
// (temp_dirs, shells, server_names, loopback, backdoor_ports) and the
// severities.
func NewProcWatcher(cfg Config, root string) (*ProcWatcher, error) {
	fs, err := procmetrics.OpenFS(root)
	if err != nil {
		return nil, err
	}
	if cfg.Rules == nil {
		return nil, fmt.Errorf("the proc source judges processes by the behaviour rules' lists: it cannot run with --rules off")
	}
	w := &ProcWatcher{cfg: cfg, fs: fs, self: os.Getpid(), seen: map[seenKey]bool{},
		tempDirs: cfg.Rules.List("temp_dirs"), shells: cfg.Rules.List("shells"), servers: cfg.Rules.List("server_names")}
	cfg.Metrics.setTracked(func() int { return int(w.tracked.Load()) })
	for _, c := range cfg.Rules.List("loopback") {
		if _, n, err := net.ParseCIDR(c); err == nil {
			w.loopback = append(w.loopback, n)
		}
	}
	for _, p := range cfg.Rules.List("backdoor_ports") {
		if n, err := strconv.Atoi(p); err == nil {
			w.backdoor = append(w.backdoor, n)
		}
	}
	return w, nil
}

// Run polls every interval until ctx is done.
func (w *ProcWatcher) Run(ctx context.Context, interval time.Duration) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if err := w.Poll(); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// procInfo is what one poll learns of a process.
type procInfo struct {
	pid, ppid int
	start     uint64
	exe       string // "" when it may not be read
	comm      string
	argv      []string
	sockets   []uint64 // socket inodes among its descriptors
}

// Poll reads the process table once and logs what is new.
func (w *ProcWatcher) Poll() error {
	procs, err := w.fs.AllProcs()
	if err != nil {
		return fmt.Errorf("read the process table: %w", err)
	}
	infos := map[int]*procInfo{}
	for _, p := range procs {
		if p.PID == w.self {
			continue
		}
		st, err := p.Stat()
		if err != nil {
			continue // gone
		}
		in := &procInfo{pid: p.PID, ppid: st.PPID, start: st.Starttime, comm: st.Comm}
		in.exe, _ = p.Executable()
		in.argv, _ = p.CmdLine()
		if targets, err := p.FileDescriptorTargets(); err == nil {
			for _, t := range targets {
				if s, ok := strings.CutPrefix(t, "socket:["); ok {
					if n, err := strconv.ParseUint(strings.TrimSuffix(s, "]"), 10, 64); err == nil {
						in.sockets = append(in.sockets, n)
					}
				}
			}
		}
		infos[p.PID] = in
		w.cfg.Metrics.Event("proc", "process")
	}
	w.tracked.Store(int64(len(infos)))
	sockets := procmetrics.ReadSockets(w.fs)
	live := map[int]uint64{}
	pids := make([]int, 0, len(infos))
	for pid := range infos {
		pids = append(pids, pid)
	}
	slices.Sort(pids)
	for _, pid := range pids {
		in := infos[pid]
		live[pid] = in.start
		if err := w.check(in, infos[in.ppid], sockets); err != nil {
			return err
		}
	}
	// Forget the processes that are gone.
	for k := range w.seen {
		if s, ok := live[k.pid]; !ok || s != k.start {
			delete(w.seen, k)
		}
	}
	return nil
}

func (w *ProcWatcher) check(in, parent *procInfo, sockets map[uint64]procmetrics.Socket) error {
	var alerts []finding
	if exe := in.exe; exe != "" {
		deleted := strings.HasSuffix(exe, " (deleted)")
		file := strings.TrimSuffix(exe, " (deleted)")
		if deleted {
			alerts = append(alerts, finding{RuleExeDeleted, rules.Warning, "executable deleted since it started: " + file})
		}
		if w.scratch(file) {
			alerts = append(alerts, finding{"exec-temp-dir", w.severity("exec-temp-dir", rules.Warning), "runs " + file})
		}
		if !deleted && w.cfg.Packages != nil && strings.HasPrefix(file, "/") {
			if unowned, modified := w.cfg.Packages.Check(file); unowned {
				alerts = append(alerts, finding{"exec-unowned", w.severity("exec-unowned", rules.Info), "no installed package owns " + file})
			} else if modified {
				alerts = append(alerts, finding{"exec-modified-package", w.severity("exec-modified-package", rules.Warning), "differs from its package: " + file})
			}
		}
	}
	if parent != nil && slices.Contains(w.shells, name(in)) && slices.Contains(w.servers, name(parent)) {
		alerts = append(alerts, finding{"shell-from-server", w.severity("shell-from-server", rules.Warning),
			fmt.Sprintf("shell %s started by server %s (pid %d)", name(in), name(parent), parent.pid)})
	}
	listening := map[int]bool{}
	for _, ino := range in.sockets {
		if s, ok := sockets[ino]; ok && (s.State == procmetrics.TCPListen && strings.HasPrefix(s.Proto, "tcp")) {
			listening[s.LPort] = true
		}
	}
	for _, ino := range in.sockets {
		s, ok := sockets[ino]
		if !ok {
			continue
		}
		tcp := strings.HasPrefix(s.Proto, "tcp")
		switch {
		case tcp && s.State == procmetrics.TCPListen,
			!tcp && s.State == procmetrics.UDPUnconnected && s.RPort == 0 && !w.isLoopback(s.Local):
			alerts = append(alerts, finding{"listen-socket", w.severity("listen-socket", rules.Info),
				fmt.Sprintf("listens on %s %s", s.Proto, hostPort(s.Local, s.LPort))})
		case tcp && (s.State == procmetrics.TCPEstablished || s.State == procmetrics.TCPSynSent) &&
			!listening[s.LPort] && !w.isLoopback(s.Rem):
			rule, sev := "outbound-connection", w.severity("outbound-connection", rules.Info)
			if slices.Contains(w.backdoor, s.RPort) {
				rule, sev = "outbound-backdoor-port", w.severity("outbound-backdoor-port", rules.Warning)
			}
			alerts = append(alerts, finding{rule, sev, fmt.Sprintf("connected to %s %s", s.Proto, hostPort(s.Rem, s.RPort))})
		}
	}
	no := false
	for _, f := range alerts {
		k := seenKey{in.pid, in.start, f.rule, f.detail}
		if w.seen[k] {
			continue
		}
		w.seen[k] = true
		parentExe := ""
		if parent != nil {
			parentExe = parent.exe
		}
		if w.cfg.Allow != nil && w.cfg.Allow.Allows(f.rule, strings.TrimSuffix(in.exe, " (deleted)"), strings.TrimSuffix(parentExe, " (deleted)"), "") {
			continue
		}
		p := &rules.Process{PID: in.pid, PPID: in.ppid, Exe: in.exe, Argv: in.argv}
		if parent != nil {
			p.Chain = []string{name(parent)}
		}
		a := rules.LogAlert{Rule: f.rule, Severity: f.sev, Exe: in.exe, Process: p, Count: 1, Source: "proc", Syscalls: &no,
			Evidence: []rules.Evidence{{PID: in.pid, Syscall: f.detail}}}
		if err := w.cfg.Log.Alert(a); err != nil {
			return err
		}
	}
	return nil
}

type finding struct {
	rule   string
	sev    rules.Severity
	detail string
}

// severity is the rule set's severity of id, or def when the set has no
// such rule.
func (w *ProcWatcher) severity(id string, def rules.Severity) rules.Severity {
	if r := w.cfg.Rules.Rule(id); r != nil && r.Enabled {
		return r.Severity
	}
	return def
}

// scratch reports whether file lies in a temporary or download folder.
func (w *ProcWatcher) scratch(file string) bool {
	for _, d := range w.tempDirs {
		if strings.HasPrefix(file, d) {
			return true
		}
	}
	return strings.Contains(file, "/Downloads/")
}

func (w *ProcWatcher) isLoopback(ip net.IP) bool {
	for _, n := range w.loopback {
		if n.Contains(ip) {
			return true
		}
	}
	return ip.IsLoopback()
}

// name is a process's program name: its executable's last element, else
// its comm.
func name(p *procInfo) string {
	if p.exe != "" {
		return path.Base(strings.TrimSuffix(p.exe, " (deleted)"))
	}
	return p.comm
}

func hostPort(ip net.IP, port int) string {
	return net.JoinHostPort(ip.String(), strconv.Itoa(port))
}
