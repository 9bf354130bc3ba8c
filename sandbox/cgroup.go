package sandbox

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"detector/sandbox/internal/initproc"
)

// The memory bound of a run. Every run gets a cgroup of its own, created
// below the caller's cgroup (or an ancestor of it) before the run and removed
// after it, also after a timeout or a cancellation:
//
//   - cgroup v2, where a memory controller is enabled for a cgroup this
//     process may create children in and move processes into (root, or a
//     delegated subtree): memory.max, memory.swap.max = 0 and, with the pids
//     controller, pids.max;
//   - else cgroup v1's memory controller where this process may write it
//     (root, usually): memory.limit_in_bytes and, when swap accounting is on,
//     memory.memsw.limit_in_bytes, both the bound, so that nothing goes to
//     swap;
//   - else nothing: each process is bounded by its address-space limit only,
//     and CheckMemoryBound says so.
//
// The cgroup is made while the init sets the sandbox up; the init waits on
// initproc.FDGate until it has been moved in, before it starts strace, so
// that every process of the run, every tmpfs page and every memfd it fills
// is charged to the run (only the copies of samples the setup makes, at most
// one tmpfs, are charged to the caller). The kernel kills
// a process of the run when the cgroup cannot be kept below the bound.

// InitName is argv[0] of every sandbox's init, detector's own binary
// re-executed: what lets a monitor on the same host recognise detector's
// sandboxes (and leave them out of its judgement).
const InitName = initproc.InitName

// cgroupKind is the cgroup hierarchy that bounds runs here.
type cgroupKind int

const (
	cgroupNone cgroupKind = iota
	cgroupV2
	cgroupV1
)

// cgroupSetup is what the first use found.
type cgroupSetup struct {
	kind   cgroupKind
	parent string // folder the runs' cgroups are created in
	pids   bool   // v2: the pids controller is enabled for parent
	err    error  // why runs are not bounded (kind == cgroupNone)
}

var (
	cgroupOnce  sync.Once
	cgroupFound cgroupSetup
	cgroupSeq   atomic.Int64
)

// ErrNoMemoryBound is wrapped by CheckMemoryBound when runs are not bounded
// as a whole.
var ErrNoMemoryBound = errors.New("a run's total memory is not bounded")

// CheckMemoryBound reports whether runs in the sandbox are bounded in total
// memory (RunOptions.MaxMemory) by a cgroup. When they are not, the error
// wraps ErrNoMemoryBound and says why; each process then still has its
// address-space limit, which memfds and tmpfs files escape.
func CheckMemoryBound() error {
	s := findCgroup()
	if s.kind == cgroupNone {
		return fmt.Errorf("%w, only each process's address space (%d GiB; memfds and tmpfs files escape it): %v (run as root, or under systemd-run --user --scope where the user's cgroups are delegated)", ErrNoMemoryBound, initproc.LimitAS>>30, s.err)
	}
	return nil
}

// findCgroup looks, once, for a place to create the runs' cgroups in.
func findCgroup() cgroupSetup {
	cgroupOnce.Do(func() {
		cgroupFound = probeCgroup()
	})
	return cgroupFound
}

// cgroupMount is a mounted cgroup hierarchy.
type cgroupMount struct {
	dir  string // mount point
	root string // the hierarchy's folder mounted there
}

func probeCgroup() cgroupSetup {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return cgroupSetup{err: fmt.Errorf("read mounts: %w", err)}
	}
	v2, v1, err := cgroupMounts(f)
	f.Close()
	if err != nil {
		return cgroupSetup{err: fmt.Errorf("read mounts: %w", err)}
	}
	b, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return cgroupSetup{err: fmt.Errorf("read own cgroups: %w", err)}
	}
	own := ownCgroups(string(b))
	var reasons []string
	if v2.dir != "" {
		if path, ok := own[""]; ok {
			if s, err := probeV2(v2, path); err == nil {
				return s
			} else {
				reasons = append(reasons, "cgroup v2: "+err.Error())
			}
		}
	} else {
		reasons = append(reasons, "no cgroup v2 file system")
	}
	if v1.dir != "" {
		if path, ok := own["memory"]; ok {
			if s, err := probeV1(v1, path); err == nil {
				return s
			} else {
				reasons = append(reasons, "cgroup v1: "+err.Error())
			}
		}
	} else {
		reasons = append(reasons, "no cgroup v1 memory controller")
	}
	return cgroupSetup{err: errors.New(strings.Join(reasons, "; "))}
}

// cgroupMounts finds, in a mountinfo table, the cgroup v2 mount and the
// cgroup v1 memory mount.
func cgroupMounts(r io.Reader) (v2, v1 cgroupMount, err error) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		// id parent major:minor root mountpoint options... - fstype source superoptions
		fields := strings.Fields(sc.Text())
		sep := -1
		for i, x := range fields {
			if x == "-" {
				sep = i
				break
			}
		}
		if sep < 5 || sep+3 >= len(fields) {
			continue
		}
		m := cgroupMount{dir: initproc.UnescapeMountinfo(fields[4]), root: initproc.UnescapeMountinfo(fields[3])}
		switch fields[sep+1] {
		case "cgroup2":
			if v2.dir == "" {
				v2 = m
			}
		case "cgroup":
			if v1.dir == "" && hasWord(fields[sep+3], "memory", ",") {
				v1 = m
			}
		}
	}
	return v2, v1, sc.Err()
}

// ownCgroups maps each hierarchy of a /proc/self/cgroup table to the
// process's cgroup in it: "" for cgroup v2, "memory" for v1's memory
// controller.
func ownCgroups(table string) map[string]string {
	own := map[string]string{}
	for _, line := range strings.Split(table, "\n") {
		f := strings.SplitN(line, ":", 3)
		if len(f) != 3 {
			continue
		}
		if f[0] == "0" && f[1] == "" {
			own[""] = f[2]
		}
		for _, c := range strings.Split(f[1], ",") {
			if c == "memory" {
				own["memory"] = f[2]
			}
		}
	}
	return own
}

// cgroupDir is the folder of cgroup path in mount m, or "" when the path
// lies outside what m shows.
func cgroupDir(m cgroupMount, path string) string {
	if !strings.HasPrefix(path, "/") || strings.Contains(path+"/", "/../") {
		return "" // above the root of this cgroup namespace
	}
	rel := path
	if m.root != "/" {
		if path != m.root && !strings.HasPrefix(path, m.root+"/") {
			return ""
		}
		rel = strings.TrimPrefix(path, m.root)
	}
	return filepath.Join(m.dir, rel)
}

// probeV2 looks for a folder of the v2 hierarchy, from this process's cgroup
// up, whose children get the memory controller and in which this process
// may create a cgroup and move a process into it; it creates and removes
// one cgroup to be sure.
func probeV2(m cgroupMount, path string) (cgroupSetup, error) {
	dir := cgroupDir(m, path)
	if dir == "" {
		return cgroupSetup{}, errors.New("own cgroup not visible")
	}
	for ; ; dir = filepath.Dir(dir) {
		sub, err := os.ReadFile(filepath.Join(dir, "cgroup.subtree_control"))
		if err == nil && hasWord(string(sub), "memory", " ") && unix.Access(filepath.Join(dir, "cgroup.procs"), unix.W_OK) == nil {
			s := cgroupSetup{kind: cgroupV2, parent: dir, pids: hasWord(string(sub), "pids", " ")}
			c, err := s.create(1 << 30)
			if err == nil {
				c.remove()
				s.sweep()
				return s, nil
			}
			return cgroupSetup{}, err
		}
		if dir == m.dir || len(dir) <= len(m.dir) {
			break
		}
	}
	return cgroupSetup{}, errors.New("no cgroup with the memory controller enabled for its children that this user may manage")
}

// probeV1 checks that a memory cgroup can be created below this process's.
func probeV1(m cgroupMount, path string) (cgroupSetup, error) {
	dir := cgroupDir(m, path)
	if dir == "" {
		return cgroupSetup{}, errors.New("own memory cgroup not visible")
	}
	s := cgroupSetup{kind: cgroupV1, parent: dir}
	c, err := s.create(1 << 30)
	if err != nil {
		return cgroupSetup{}, err
	}
	c.remove()
	s.sweep()
	return s, nil
}

// runCgroup is the cgroup of one run.
type runCgroup struct {
	kind cgroupKind
	dir  string
}

// cgroupPrefix starts the name of every run's cgroup, followed by the pid of
// the detector process and a sequence number.
const cgroupPrefix = "detector-run-"

// create makes a cgroup for one run, bounded to max bytes of memory.
func (s cgroupSetup) create(max int64) (*runCgroup, error) {
	name := fmt.Sprintf("%s%d-%d", cgroupPrefix, os.Getpid(), cgroupSeq.Add(1))
	c := &runCgroup{kind: s.kind, dir: filepath.Join(s.parent, name)}
	if err := os.Mkdir(c.dir, 0o755); err != nil {
		return nil, fmt.Errorf("create cgroup: %w", err)
	}
	limit := strconv.FormatInt(max, 10)
	var settings [][2]string
	switch s.kind {
	case cgroupV2:
		settings = [][2]string{{"memory.max", limit}, {"memory.swap.max", "0"}}
		if s.pids {
			settings = append(settings, [2]string{"pids.max", strconv.Itoa(initproc.LimitProcs)})
		}
	case cgroupV1:
		settings = [][2]string{{"memory.limit_in_bytes", limit}}
		if _, err := os.Stat(filepath.Join(c.dir, "memory.memsw.limit_in_bytes")); err == nil {
			settings = append(settings, [2]string{"memory.memsw.limit_in_bytes", limit})
		}
	}
	for _, kv := range settings {
		if err := c.write(kv[0], kv[1]); err != nil {
			if kv[0] == "memory.swap.max" && errors.Is(err, os.ErrNotExist) {
				continue // no swap accounting: no swap to go to either
			}
			c.remove()
			return nil, err
		}
	}
	return c, nil
}

func (c *runCgroup) write(file, value string) error {
	f, err := os.OpenFile(filepath.Join(c.dir, file), os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("set %s of cgroup: %w", file, err)
	}
	_, err = f.WriteString(value)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("set %s of cgroup: %w", file, err)
	}
	return nil
}

// attach moves process pid into the cgroup.
func (c *runCgroup) attach(pid int) error {
	return c.write("cgroup.procs", strconv.Itoa(pid))
}

// counter reads the value of key in a "key value" file of the cgroup, or -1.
func (c *runCgroup) counter(file, key string) int64 {
	b, err := os.ReadFile(filepath.Join(c.dir, file))
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, " "); ok && k == key {
			if n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil {
				return n
			}
		}
	}
	return -1
}

// value reads a file of the cgroup holding one number, or -1.
func (c *runCgroup) value(file string) int64 {
	b, err := os.ReadFile(filepath.Join(c.dir, file))
	if err != nil {
		return -1
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil {
		return -1
	}
	return n
}

// hitBound says whether the kernel had to kill a process of the run, or
// refuse it memory, to keep the cgroup within its bound.
func (c *runCgroup) hitBound() bool {
	switch c.kind {
	case cgroupV2:
		return c.counter("memory.events", "oom") > 0 || c.counter("memory.events", "oom_kill") > 0
	case cgroupV1:
		if n := c.counter("memory.oom_control", "oom_kill"); n >= 0 {
			return n > 0 || c.counter("memory.oom_control", "under_oom") > 0
		}
		return c.value("memory.failcnt") > 0
	}
	return false
}

// peak is the largest memory use of the run in bytes, or 0 when unknown.
func (c *runCgroup) peak() int64 {
	var n int64
	switch c.kind {
	case cgroupV2:
		n = c.value("memory.peak")
	case cgroupV1:
		n = max(c.value("memory.max_usage_in_bytes"), c.value("memory.memsw.max_usage_in_bytes"))
	}
	return max(n, 0)
}

// remove deletes the cgroup. It is called once every process of the run is
// gone; the kernel may take a moment to let go of an emptied cgroup.
func (c *runCgroup) remove() error {
	var err error
	for i := 0; i < 50; i++ {
		err = os.Remove(c.dir)
		if err == nil || errors.Is(err, os.ErrNotExist) {
			return nil
		}
		if !errors.Is(err, syscall.EBUSY) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("remove cgroup %s: %w", c.dir, err)
}

// sweep removes the empty cgroups that detector processes no longer alive
// left behind (a detector killed with SIGKILL cannot clean up).
func (s cgroupSetup) sweep() {
	ents, err := os.ReadDir(s.parent)
	if err != nil {
		return
	}
	for _, e := range ents {
		rest, ok := strings.CutPrefix(e.Name(), cgroupPrefix)
		if !e.IsDir() || !ok {
			continue
		}
		p, _, _ := strings.Cut(rest, "-")
		pid, err := strconv.Atoi(p)
		if err != nil || pid == os.Getpid() {
			continue
		}
		if err := syscall.Kill(pid, 0); err == nil || errors.Is(err, syscall.EPERM) {
			continue // that detector still runs
		}
		os.Remove(filepath.Join(s.parent, e.Name())) // fails while not empty
	}
}

// hasWord says whether word is one of the sep-separated words of s.
func hasWord(s, word, sep string) bool {
	for _, w := range strings.Split(strings.TrimSpace(s), sep) {
		if w == word {
			return true
		}
	}
	return false
}
