// Package procmetrics describes live processes by what the process table
// shows of them, polled from /proc: the process-level way of learning
// normal behaviour (train --input proc) that monitor --source proc scores
// against. Every poll after the first gives one row per process that was
// already there at the previous poll, in the order of Names:
//
//	cpu_share          CPU time used since the previous poll / wall time (1 = one core)
//	rss_mib            resident memory, MiB
//	read_kib_s         bytes read from storage or caches since the previous poll, KiB/s (rchar)
//	write_kib_s        bytes written since the previous poll, KiB/s (wchar)
//	threads            threads
//	fds                open descriptors
//	sockets_listen     TCP sockets listening, and UDP sockets bound but unconnected
//	sockets_connected  TCP sockets connected (or connecting)
//	sockets_other      other TCP and UDP sockets (closing, time-wait...)
//	age_s              seconds since the process started
//	parent_shell       1 when the parent is a shell
//	parent_server      1 when the parent is a server (web, database...)
//	parent_init        1 when the parent is pid 1 or a service manager (systemd, init)
//
// A process whose executable, descriptors or I/O counters may not be read
// (another user's, without root; a kernel thread) gives no row.
package procmetrics

import (
	"net"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/procfs"
)

// Names are the metrics of a row, in order.
var Names = []string{
	"cpu_share", "rss_mib", "read_kib_s", "write_kib_s", "threads", "fds",
	"sockets_listen", "sockets_connected", "sockets_other", "age_s",
	"parent_shell", "parent_server", "parent_init",
}

// Row is one process at one poll.
type Row struct {
	PID, PPID int
	Exe       string
	Argv      []string
	Values    []float64 // in the order of Names
}

// Lists name the shells and servers the parent metrics look for (the
// rule set's lists shells and server_names).
type Lists struct {
	Shells, Servers []string
}

var serviceManagers = []string{"systemd", "init", "runit", "s6-svscan", "supervisord", "openrc-init"}

// Sampler polls the process table and keeps what rates need between polls.
type Sampler struct {
	fs    procfs.FS
	lists Lists
	self  int
	prev  map[int]sample
	last  time.Time
	boot  time.Time
	tick  float64
}

type sample struct {
	start      uint64
	cpu        float64 // seconds
	rchar      uint64
	wchar      uint64
	readableIO bool
}

// OpenFS opens the /proc file system at root ("" for /proc).
func OpenFS(root string) (procfs.FS, error) {
	if root == "" {
		root = procfs.DefaultMountPoint
	}
	return procfs.NewFS(root)
}

// NewSampler returns a sampler of the /proc file system at root ("" for
// /proc).
func NewSampler(root string, lists Lists) (*Sampler, error) {
	fs, err := OpenFS(root)
	if err != nil {
		return nil, err
	}
	s := &Sampler{fs: fs, lists: lists, self: selfPID(), prev: map[int]sample{}, tick: 100}
	if st, err := fs.Stat(); err == nil {
		s.boot = time.Unix(int64(st.BootTime), 0)
	}
	return s, nil
}

// Poll reads every process once. It returns the rows of the processes seen
// at the previous poll too (rates need two readings); the first poll gives
// none.
func (s *Sampler) Poll() ([]Row, error) {
	now := time.Now()
	procs, err := s.fs.AllProcs()
	if err != nil {
		return nil, err
	}
	socks := s.socketStates()
	names := map[int]string{}
	stats := map[int]procfs.ProcStat{}
	for _, p := range procs {
		if st, err := p.Stat(); err == nil {
			stats[p.PID] = st
			names[p.PID] = st.Comm
			if exe, err := p.Executable(); err == nil && exe != "" {
				names[p.PID] = path.Base(strings.TrimSuffix(exe, " (deleted)"))
			}
		}
	}
	dt := now.Sub(s.last).Seconds()
	cur := map[int]sample{}
	var rows []Row
	for _, p := range procs {
		st, ok := stats[p.PID]
		if !ok || p.PID == s.self {
			continue
		}
		smp := sample{start: st.Starttime, cpu: float64(st.UTime+st.STime) / s.tick}
		io, ioErr := p.IO()
		if ioErr == nil {
			smp.rchar, smp.wchar, smp.readableIO = io.RChar, io.WChar, true
		}
		cur[p.PID] = smp
		old, seen := s.prev[p.PID]
		if !seen || old.start != smp.start || !smp.readableIO || !old.readableIO || dt <= 0 {
			continue
		}
		targets, err := p.FileDescriptorTargets()
		if err != nil {
			continue
		}
		var listen, connected, other float64
		for _, t := range targets {
			ino, ok := strings.CutPrefix(t, "socket:[")
			if !ok {
				continue
			}
			n, err := strconv.ParseUint(strings.TrimSuffix(ino, "]"), 10, 64)
			if err != nil {
				continue
			}
			switch socks[n] {
			case stListen:
				listen++
			case stConnected:
				connected++
			case stOther:
				other++
			}
		}
		exe, _ := p.Executable()
		if exe == "" {
			continue // a kernel thread
		}
		argv, _ := p.CmdLine()
		parent := names[st.PPID]
		age := 0.0
		if !s.boot.IsZero() {
			age = max(now.Sub(s.boot.Add(time.Duration(float64(st.Starttime)/s.tick*float64(time.Second)))).Seconds(), 0)
		}
		v := []float64{
			max(smp.cpu-old.cpu, 0) / dt,
			float64(st.RSS*pageSize()) / (1 << 20),
			float64(sub(smp.rchar, old.rchar)) / 1024 / dt,
			float64(sub(smp.wchar, old.wchar)) / 1024 / dt,
			float64(st.NumThreads),
			float64(len(targets)),
			listen, connected, other,
			age,
			flag(slices.Contains(s.lists.Shells, parent)),
			flag(slices.Contains(s.lists.Servers, parent)),
			flag(st.PPID == 1 || slices.Contains(serviceManagers, parent)),
		}
		rows = append(rows, Row{PID: p.PID, PPID: st.PPID, Exe: exe, Argv: argv, Values: v})
	}
	s.prev, s.last = cur, now
	return rows, nil
}

func sub(a, b uint64) uint64 {
	if a < b {
		return 0
	}
	return a - b
}

func flag(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

const (
	stNone = iota
	stListen
	stConnected
	stOther
)

// TCP states of /proc/net/tcp, and UDP's unconnected state.
const (
	TCPEstablished = 0x01
	TCPSynSent     = 0x02
	TCPSynRecv     = 0x03
	TCPListen      = 0x0A
	UDPUnconnected = 0x07
)

// Socket is one line of the kernel's TCP and UDP tables.
type Socket struct {
	Proto        string // tcp, tcp6, udp, udp6
	Local, Rem   net.IP
	LPort, RPort int
	State        uint64
}

// ReadSockets reads the kernel's TCP and UDP tables (IPv4 and IPv6), by
// socket inode. A table that cannot be read (no IPv6) is passed over.
func ReadSockets(fs procfs.FS) map[uint64]Socket {
	out := map[uint64]Socket{}
	add := func(proto string, t procfs.NetTCP, err error) {
		if err != nil {
			return
		}
		for _, l := range t {
			out[l.Inode] = Socket{Proto: proto, Local: l.LocalAddr, Rem: l.RemAddr, LPort: int(l.LocalPort), RPort: int(l.RemPort), State: l.St}
		}
	}
	t4, err := fs.NetTCP()
	add("tcp", t4, err)
	t6, err := fs.NetTCP6()
	add("tcp6", t6, err)
	u4, err := fs.NetUDP()
	add("udp", procfs.NetTCP(u4), err)
	u6, err := fs.NetUDP6()
	add("udp6", procfs.NetTCP(u6), err)
	return out
}

// socketStates reads the kernel's TCP and UDP tables: each socket inode's
// kind of state.
func (s *Sampler) socketStates() map[uint64]int {
	out := map[uint64]int{}
	for ino, k := range ReadSockets(s.fs) {
		switch {
		case strings.HasPrefix(k.Proto, "udp") && k.RPort == 0, k.State == TCPListen:
			out[ino] = stListen
		case strings.HasPrefix(k.Proto, "udp"), k.State == TCPEstablished, k.State == TCPSynSent, k.State == TCPSynRecv:
			out[ino] = stConnected
		default:
			out[ino] = stOther
		}
	}
	return out
}
