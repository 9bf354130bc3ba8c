package bpftrace

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"syscall"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"
	"github.com/cilium/ebpf/rlimit"
	"github.com/elastic/go-libaudit/v2/auparse"
)

// Mode selects which processes are counted.
type Mode uint32

const (
	// All counts every process on the host.
	All Mode = 0
	// PidNS counts only processes in the pid namespace Config.NSDev/NSIno.
	PidNS Mode = 1
	// Cgroup counts only processes in the cgroup Config.CgroupID.
	Cgroup Mode = 2
)

// Config chooses the processes the tracer counts.
type Config struct {
	Mode     Mode
	NSDev    uint64 // device of the pid namespace's nsfs file (PidNS)
	NSIno    uint64 // inode of the pid namespace's nsfs file (PidNS)
	CgroupID uint64 // cgroup id (Cgroup)
}

// PidNSOf returns the device and inode of pid's pid namespace, for Config.
func PidNSOf(pid int) (dev, ino uint64, err error) {
	var st syscall.Stat_t
	p := "/proc/" + strconv.Itoa(pid) + "/ns/pid"
	if err := syscall.Stat(p, &st); err != nil {
		return 0, 0, fmt.Errorf("stat %s: %w", p, err)
	}
	return st.Dev, st.Ino, nil
}

// Counts is one process's system-call histogram as counted in the kernel.
type Counts struct {
	Total       uint64
	Transitions uint64            // adjacent pairs of calls with different numbers
	Names       map[string]uint64 // x86_64 call name -> count
}

// Tracer holds the loaded programs, maps and links; Close releases them all.
type Tracer struct {
	objs  tracerObjects
	links []link.Link
	names map[int]string
}

func explain(op string, err error) error {
	switch {
	case errors.Is(err, ebpf.ErrNotSupported):
		return fmt.Errorf("%s: this kernel does not support what the eBPF tracer needs: %w", op, err)
	case errors.Is(err, os.ErrPermission), errors.Is(err, syscall.EPERM), errors.Is(err, syscall.EACCES):
		return fmt.Errorf("%s: the eBPF tracer needs root, or CAP_BPF and CAP_PERFMON: %w", op, err)
	}
	return fmt.Errorf("%s: %w", op, err)
}

// Open loads the BPF objects, sets the target filter and attaches the
// raw tracepoints. The caller must Close the Tracer.
func Open(c Config) (_ *Tracer, err error) {
	if c.Mode > Cgroup {
		return nil, fmt.Errorf("bpftrace: unknown mode %d", c.Mode)
	}
	names := map[int]string{}
	if tab, ok := auparse.AuditSyscalls["x86_64"]; ok {
		for n, name := range tab {
			names[n] = name
		}
	}
	if err := rlimit.RemoveMemlock(); err != nil {
		return nil, explain("bpftrace: remove memlock limit", err)
	}
	t := &Tracer{names: names}
	if err := loadTracerObjects(&t.objs, nil); err != nil {
		return nil, explain("bpftrace: load BPF objects", err)
	}
	defer func() {
		if err != nil {
			t.Close()
		}
	}()
	cfg := tracerConfig{Mode: uint32(c.Mode), NsDev: c.NSDev, NsIno: c.NSIno, CgroupId: c.CgroupID}
	if err := t.objs.Cfg.Put(uint32(0), &cfg); err != nil {
		return nil, explain("bpftrace: write config map", err)
	}
	for _, a := range []struct {
		name string
		prog *ebpf.Program
	}{{"sys_enter", t.objs.SysEnter}, {"sched_process_exit", t.objs.ProcessExit}} {
		l, err := link.AttachRawTracepoint(link.RawTracepointOptions{Name: a.name, Program: a.prog})
		if err != nil {
			return nil, explain("bpftrace: attach raw tracepoint "+a.name, err)
		}
		t.links = append(t.links, l)
	}
	return t, nil
}

// Counts returns the counts of the live process pid (thread-group id).
// ok is false when the tracer has not seen it (or it has exited).
func (t *Tracer) Counts(pid int) (c Counts, ok bool, err error) {
	var v tracerProcCounts
	if err := t.objs.Procs.Lookup(uint32(pid), &v); err != nil {
		if errors.Is(err, ebpf.ErrKeyNotExist) {
			return Counts{}, false, nil
		}
		return Counts{}, false, fmt.Errorf("bpftrace: read counts of pid %d: %w", pid, err)
	}
	c = Counts{Total: v.Total, Transitions: v.Transitions, Names: map[string]uint64{}}
	for n, k := range v.Counts {
		if k == 0 {
			continue
		}
		name, ok := t.names[n]
		if !ok {
			name = "syscall_0x" + strconv.FormatInt(int64(n), 16)
		}
		c.Names[name] += uint64(k)
	}
	return c, true, nil
}

// Full returns how many calls were not counted because the process map was full.
func (t *Tracer) Full() (uint64, error) {
	var per []uint64
	if err := t.objs.Full.Lookup(uint32(0), &per); err != nil {
		return 0, fmt.Errorf("bpftrace: read full counter: %w", err)
	}
	var s uint64
	for _, v := range per {
		s += v
	}
	return s, nil
}

// Close detaches every link and closes every program and map.
func (t *Tracer) Close() error {
	var errs []error
	for _, l := range t.links {
		errs = append(errs, l.Close())
	}
	t.links = nil
	errs = append(errs, t.objs.Close())
	return errors.Join(errs...)
}
