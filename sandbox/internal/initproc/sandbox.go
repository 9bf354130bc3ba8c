// Package initproc is the inside of the isolation that sandbox.Run puts
// traced programs in: the init process of a run, and what the caller and
// the init agree on. It is a leaf package on purpose: the init is the
// re-executed detector binary, and Go initializes a package with few
// imports early, so the init starts its work before the rest of the
// program's packages (command-line, numerics, tables) have been set up.
//
// sandbox.Run executes the program under strace inside a sandbox built from Linux
// namespaces, with no helper binary besides strace. Run re-executes the
// current binary (through a descriptor of /proc/self/exe, so it works for the
// detector binary and for test binaries alike) with argv[0] set to
// InitName; the init function below recognises that marker before main
// runs and turns the process into the sandbox's init. The process is created
// with fresh user, mount, pid, network, ipc and uts namespaces, in its own
// session, with SIGKILL as parent-death signal. The user namespace maps a
// single id: the caller's uid and gid, or 65534 (nobody) when the caller is
// root; uid 0 does not exist in it. Runs started by root have no
// supplementary groups (root may allow setgroups in the namespace); an
// unprivileged caller's groups stay, as the kernel refuses setgroups in a user
// namespace whose gid map was written without privileges (trace.KeptGroups).
// The init gets the three capabilities it
// needs for the setup (CAP_SYS_ADMIN, CAP_NET_ADMIN, CAP_SETPCAP) as ambient
// capabilities, valid only in its own namespaces. The init then, as pid 1 of
// the new pid namespace:
//
//   - builds a new root, as bubblewrap does: a fresh, size-bounded tmpfs
//     made the root with pivot_root, holding read-only, nosuid, nodev
//     recursive binds of the host's /usr, /bin, /sbin, /lib, /lib32, /lib64,
//     /libx32, /etc and /sys (those that are symbolic links, on merged-/usr
//     systems, are recreated as links), a fresh /proc, fresh size-bounded
//     tmpfs file systems on /tmp, /var/tmp and /run (and /var/run, a link to
//     it), and a minimal /dev (null, zero, full, random, urandom, a private
//     /dev/shm); the scratch folder /run/detector/home is the program's
//     working directory and HOME. Nothing else of the host is in it: no
//     /home, /root, /opt, /srv, /mnt, /media, the rest of /var, nor the
//     caller's working folder, so no socket file there can be reached;
//   - puts strace, the traced file and any argument naming an existing file
//     outside the folders it shows (and, as root, one that user nobody may
//     read) back at their paths when the new root lacks them: a read-only bind
//     mount of that one file (the folders above it are empty folders of the
//     new root), or a copy when the sandbox's user cannot read it at its
//     path (files under a private folder of root, such as the temporary
//     folders of tests);
//   - detaches the host's tree and makes the new root itself read-only;
//   - waits for the end of file on FDGate: meanwhile the caller has moved
//     the init into the run's cgroup, which bounds the memory of the whole
//     run (see sandbox.Run);
//   - brings up a private loopback interface: the host's network, including its
//     127.0.0.1, is unreachable;
//   - covers /proc/1/mem and /proc/1/task/1/mem, the memory of the init, which
//     becomes strace, with an empty read-only file (tracer.go);
//   - sets resource limits (processes, address space, file size, open files,
//     CPU time, no core dumps);
//   - joins a new, empty session keyring (keyring.go);
//   - drops every capability: bounding set, ambient set, inheritable,
//     permitted and effective sets, locks the securebits so that uid 0 regains
//     none on execve, and sets no_new_privs;
//   - installs a seccomp filter (seccomp.go) that keeps every process in
//     strace's sight: no clone with CLONE_UNTRACED, no clone3, no call of
//     another ABI, and no ptrace, process_vm_readv/writev, pidfd_open or
//     signal aimed at the tracer's pid; refused calls show in the trace;
//   - and finally execs strace, which stays pid 1 of the namespace and starts
//     the program.
//
// Killing that pid 1 makes the kernel kill every other process of the pid
// namespace, and its exit is reported only after all of them are gone; Run
// relies on that for the timeout, the trace-size cap and cancellation. Nothing
// written during a run survives it: every writable file system is a tmpfs of
// the run's own mount namespace.
//
// Sockets: a pathname unix socket is reachable only if it lies in one of
// the bound host folders (/usr, /etc, /sys: none there on usual systems; a
// mount namespace cannot hide a socket file there short of binding over it)
// or was made during the run. Abstract unix sockets and netlink belong to
// the network namespace, which is the run's own. Landlock does not close
// the rest on the kernels this was built on (6.18): LANDLOCK_ACCESS_FS_MAKE_SOCK
// covers making a socket file, not connecting to one, and its scope for
// unix sockets (ABI 6) covers abstract ones only; a right for connecting
// by path (LANDLOCK_ACCESS_FS_RESOLVE_UNIX) was added to Landlock in 2026,
// after those kernels.
//
// Without the sandbox (Config.Sandbox unset) the init still joins a new
// session keyring and installs the same filter, aimed at its own pid.
//
// Known limits: strace gives the traced program its output descriptor (fd 3)
// by inheritance, so a program written to fool detector could write forged
// lines into the trace (the writes show up as calls in the trace itself). The
// sandbox guards the host, and keeps the program in strace's sight, but not
// the trace's integrity against a program that targets detector.
package initproc

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// InitName is argv[0] of the re-executed binary acting as the
// sandbox's init.
const InitName = "detector-sandbox-init"

// Descriptor numbers in the re-executed init.
const (
	FDTrace  = 3 // write end of the trace pipe; strace writes to /proc/self/fd/3
	FDStatus = 4 // setup errors; closed on the successful exec of strace
	FDExe    = 5 // the current binary, executed through /proc/self/fd/5
	FDGate   = 6 // read end of a pipe; the init waits for its end of file before anything else
	FDFiles  = 7 // first of the files to bind in (Config.Files)
)

// Resource limits inside the run. Process and file counts are per run; sizes
// in bytes.
const (
	LimitProcs    = 512      // RLIMIT_NPROC: processes and threads of the inner user
	LimitAS       = 4 << 30  // RLIMIT_AS: address space of each process
	limitFileSize = 64 << 20 // RLIMIT_FSIZE: size of each written file
	limitFiles    = 1024     // RLIMIT_NOFILE: open descriptors per process
	tmpfsSize     = "64m"    // size of each tmpfs (/tmp, /var/tmp, /run, /dev/shm)
	tmpfsInodes   = "16384"  // inode count of each tmpfs
	ScratchDir    = "/run/detector/home"
	sandboxHost   = "sandbox"
	PATH          = "/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin"
	Nobody        = 65534
)

// Config is what sandbox.Run hands to the re-executed init, as JSON in argv[1].
type Config struct {
	Sandbox bool     // set up namespaces, mounts and dropped privileges
	Probe   bool     // set up, then exit 0 instead of running strace (Check)
	Argv    []string // strace command line, argv[0] an absolute path
	// Runner: Argv is the program itself, run as a child of the init,
	// which waits for every process of the run and exits with the
	// program's status (the eBPF tracer watches from outside).
	Runner bool
	Env    []string // environment of strace and the program
	Dir    string   // working directory (NoSandbox only; the sandbox uses ScratchDir)
	Files  []string // absolute paths, one per descriptor from FDFiles on
	// ArgFiles is how many of the last Files are arguments of the program:
	// shown where possible, and else left as the sandbox shows them (a
	// failure to place one is not an error).
	ArgFiles int
	// BindOnly are indexes of Files that the sandbox's user may not read:
	// bound at their path (with their owner and mode) when the run's mount
	// namespace reaches them there, never copied.
	BindOnly []int
	CPU      uint64 // RLIMIT_CPU in seconds
}

func init() {
	if len(os.Args) == 2 && os.Args[0] == InitName {
		initMain(os.Args[1])
	}
}

// initMain runs in the re-executed binary. It never returns: it execs
// strace, or reports the failure on FDStatus and exits with status 125.
func initMain(arg string) {
	runtime.LockOSThread() // capabilities and securebits are per thread
	status := os.NewFile(FDStatus, "status")
	fail := func(err error) {
		fmt.Fprint(status, err.Error())
		os.Exit(125)
	}
	unix.CloseOnExec(FDStatus)
	var cfg Config
	if err := json.Unmarshal([]byte(arg), &cfg); err != nil {
		fail(fmt.Errorf("decode sandbox configuration: %w", err))
	}
	if cfg.Sandbox {
		if err := setupSandbox(&cfg); err != nil {
			fail(err)
		}
		if err := shieldTracer(); err != nil {
			fail(err)
		}
	} else if err := os.Chdir(cfg.Dir); err != nil {
		fail(fmt.Errorf("enter working directory: %w", err))
	}
	// Meanwhile the caller has made the run's cgroup and moved this process
	// into it; it closes the gate when done. What strace and the program
	// use is charged to the run.
	if err := waitGate(); err != nil {
		fail(err)
	}
	if err := setLimits(cfg.CPU); err != nil {
		fail(err)
	}
	// Only descriptors 0-3 reach strace and the program.
	if err := unix.CloseRange(FDExe, ^uint(0), unix.CLOSE_RANGE_CLOEXEC); err != nil {
		fail(fmt.Errorf("close descriptors: %w", err))
	}
	if err := newSessionKeyring(); err != nil {
		fail(err)
	}
	if cfg.Sandbox {
		if err := dropPrivileges(); err != nil {
			fail(err)
		}
	} else if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		fail(fmt.Errorf("set no_new_privs: %w", err))
	}
	// Last, as it binds the init too: strace will keep its pid.
	if err := installFilter(); err != nil {
		fail(err)
	}
	if cfg.Probe {
		os.Exit(0)
	}
	// Dropping capabilities may clear the parent-death signal; set it again.
	if err := unix.Prctl(unix.PR_SET_PDEATHSIG, uintptr(unix.SIGKILL), 0, 0, 0); err != nil {
		fail(fmt.Errorf("set parent-death signal: %w", err))
	}
	if os.Getppid() == 1 && !cfg.Sandbox {
		os.Exit(125) // the caller is already gone
	}
	if cfg.Runner {
		os.Exit(runChild(&cfg, fail))
	}
	err := syscall.Exec(cfg.Argv[0], cfg.Argv, cfg.Env)
	fail(fmt.Errorf("exec %s: %w", cfg.Argv[0], err))
}

// NotStarted starts the status message of a program that the init could
// not start (Config.Runner).
const NotStarted = "not started: "

// runChild starts the program as the init's child, closes the status pipe
// to say so, and reaps every process of the run (the init is their
// reaper) until none is left. It returns the program's status: its exit
// code, or 128+n when signal n killed it.
func runChild(cfg *Config, fail func(error)) int {
	// Only 0-2 reach the program; the trace pipe is strace's alone.
	unix.CloseOnExec(FDTrace)
	pid, err := syscall.ForkExec(cfg.Argv[0], cfg.Argv, &syscall.ProcAttr{
		Env:   cfg.Env,
		Files: []uintptr{0, 1, 2},
		Sys:   &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL},
	})
	if err != nil {
		fail(fmt.Errorf("%s%w", NotStarted, err))
	}
	unix.Close(FDStatus)
	status := 0
	for {
		var ws syscall.WaitStatus
		p, err := syscall.Wait4(-1, &ws, 0, nil)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return status // ECHILD: every process of the run is gone
		}
		if p == pid {
			switch {
			case ws.Exited():
				status = ws.ExitStatus()
			case ws.Signaled():
				status = 128 + int(ws.Signal())
			}
		}
	}
}

// waitGate waits until the caller closes its end of the gate pipe.
func waitGate() error {
	var b [1]byte
	for {
		n, err := unix.Read(FDGate, b[:])
		if n == 0 && err == nil {
			break
		}
		if err != nil && err != unix.EINTR {
			return fmt.Errorf("wait for the run's cgroup: %w", err)
		}
	}
	unix.Close(FDGate)
	return nil
}

// setupSandbox builds the file system view and the network of the run. It
// runs as uid 0 with full capabilities of the run's user namespace.
func setupSandbox(cfg *Config) error {
	// Descriptors of the files to bind in, and of the device nodes, opened
	// before anything hides them.
	devs := []string{"null", "zero", "full", "random", "urandom"}
	devFDs := make([]int, len(devs))
	for i, d := range devs {
		fd, err := unix.Open("/dev/"+d, unix.O_PATH|unix.O_CLOEXEC, 0)
		if err != nil {
			return fmt.Errorf("open /dev/%s: %w", d, err)
		}
		devFDs[i] = fd
	}

	files := openFilesIn(cfg.Files)

	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		return fmt.Errorf("make mounts private: %w", err)
	}
	if err := newRoot(); err != nil {
		return err
	}
	tmpfs := func(dir, mode string) error {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("create %s: %w", dir, err)
		}
		opts := "mode=" + mode + ",size=" + tmpfsSize + ",nr_inodes=" + tmpfsInodes
		err := unix.Mount("tmpfs", dir, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, opts)
		if err != nil {
			return fmt.Errorf("mount tmpfs on %s: %w", dir, err)
		}
		return nil
	}
	for _, dir := range []string{"/tmp", "/var/tmp"} {
		if err := tmpfs(dir, "1777"); err != nil {
			return err
		}
	}
	if err := tmpfs("/run", "755"); err != nil {
		return err
	}
	if err := os.Symlink("../run", "/var/run"); err != nil {
		return fmt.Errorf("create /var/run: %w", err)
	}
	if err := os.MkdirAll(ScratchDir, 0o755); err != nil {
		return fmt.Errorf("create scratch folder: %w", err)
	}

	// A minimal /dev.
	if err := os.Mkdir("/dev", 0o755); err != nil {
		return fmt.Errorf("create /dev: %w", err)
	}
	if err := unix.Mount("tmpfs", "/dev", "tmpfs", unix.MS_NOSUID|unix.MS_NOEXEC, "mode=755,size=64k,nr_inodes=64"); err != nil {
		return fmt.Errorf("mount tmpfs on /dev: %w", err)
	}
	for i, d := range devs {
		if err := bindFD(devFDs[i], "/dev/"+d, false); err != nil {
			return err
		}
		unix.Close(devFDs[i])
	}
	for name, target := range map[string]string{
		"fd": "/proc/self/fd", "stdin": "/proc/self/fd/0",
		"stdout": "/proc/self/fd/1", "stderr": "/proc/self/fd/2",
	} {
		if err := os.Symlink(target, "/dev/"+name); err != nil {
			return fmt.Errorf("create /dev/%s: %w", name, err)
		}
	}
	if err := tmpfs("/dev/shm", "1777"); err != nil {
		return err
	}
	if err := unix.MountSetattr(-1, "/dev", 0, &unix.MountAttr{Attr_set: unix.MOUNT_ATTR_RDONLY}); err != nil && !errors.Is(err, unix.ENOSYS) {
		return fmt.Errorf("make /dev read-only: %w", err)
	}

	for i, f := range files {
		if err := placeIn(f, !slices.Contains(cfg.BindOnly, i)); err != nil && i < len(files)-cfg.ArgFiles {
			return err
		}
	}
	if err := dropOldRoot(); err != nil {
		return err
	}

	if err := unix.Sethostname([]byte(sandboxHost)); err != nil {
		return fmt.Errorf("set host name: %w", err)
	}
	if err := loopbackUp(); err != nil {
		return err
	}
	if err := os.Chdir(ScratchDir); err != nil {
		return fmt.Errorf("enter scratch folder: %w", err)
	}
	return nil
}

// oldRoot is where the host's file tree stays reachable while the new root
// is being built; it is gone before the program runs.
const oldRoot = "/.oldroot"

// systemDirs are the host folders shown in the sandbox, read-only, nosuid
// and nodev; a symbolic link among them (merged /usr) is recreated as such.
var systemDirs = []string{"usr", "bin", "sbin", "lib", "lib32", "lib64", "libx32", "etc", "sys"}

// newRoot makes a fresh, size-bounded tmpfs the root of the run's mount
// namespace, with the host's tree below oldRoot, mounts a fresh /proc and
// binds the systemDirs in. Nothing else of the host (/home, /root, /opt,
// /srv, /var, /mnt, /media, the working folder...) is reachable from it.
func newRoot() error {
	base := ""
	for _, d := range []string{"/tmp", "/mnt", "/run", "/var/tmp", "/media", "/opt", "/srv"} {
		if st, err := os.Lstat(d); err == nil && st.IsDir() {
			base = d
			break
		}
	}
	if base == "" {
		return errors.New("build the sandbox's root: no folder to mount it on")
	}
	opts := "mode=755,size=" + tmpfsSize + ",nr_inodes=" + tmpfsInodes
	if err := unix.Mount("tmpfs", base, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, opts); err != nil {
		return fmt.Errorf("mount the sandbox's root: %w", err)
	}
	if err := os.Mkdir(base+oldRoot, 0o700); err != nil {
		return fmt.Errorf("build the sandbox's root: %w", err)
	}
	if err := unix.PivotRoot(base, base+oldRoot); err != nil {
		return fmt.Errorf("enter the sandbox's root: %w", err)
	}
	if err := os.Chdir("/"); err != nil {
		return fmt.Errorf("enter the sandbox's root: %w", err)
	}
	// A fresh /proc first: binds of descriptors go through /proc/self/fd.
	// The kernel allows it because the host's /proc is still mounted.
	if err := os.Mkdir("/proc", 0o555); err != nil {
		return fmt.Errorf("create /proc: %w", err)
	}
	if err := unix.Mount("proc", "/proc", "proc", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, ""); err != nil {
		return fmt.Errorf("mount /proc: %w", err)
	}
	for _, d := range systemDirs {
		src, dst := oldRoot+"/"+d, "/"+d
		st, err := os.Lstat(src)
		if err != nil {
			continue
		}
		if st.Mode()&os.ModeSymlink != 0 {
			target, err := os.Readlink(src)
			if err != nil {
				return fmt.Errorf("read link /%s: %w", d, err)
			}
			if err := os.Symlink(target, dst); err != nil {
				return fmt.Errorf("create link /%s: %w", d, err)
			}
			continue
		}
		if !st.IsDir() {
			continue
		}
		if err := os.Mkdir(dst, 0o755); err != nil {
			return fmt.Errorf("create /%s: %w", d, err)
		}
		if err := unix.Mount(src, dst, "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
			return fmt.Errorf("bind /%s: %w", d, err)
		}
		if err := readOnlyTree(dst); err != nil {
			return err
		}
	}
	return nil
}

// dropOldRoot detaches the host's tree and makes the new root itself
// read-only: only the tmpfs mounts on it stay writable.
func dropOldRoot() error {
	if err := unix.Unmount(oldRoot, unix.MNT_DETACH); err != nil {
		return fmt.Errorf("detach the host's root: %w", err)
	}
	if err := os.Remove(oldRoot); err != nil {
		return fmt.Errorf("detach the host's root: %w", err)
	}
	attr := &unix.MountAttr{Attr_set: unix.MOUNT_ATTR_RDONLY | unix.MOUNT_ATTR_NOSUID | unix.MOUNT_ATTR_NODEV}
	err := unix.MountSetattr(-1, "/", 0, attr)
	if errors.Is(err, unix.ENOSYS) {
		err = unix.Mount("", "/", "", unix.MS_REMOUNT|unix.MS_BIND|unix.MS_RDONLY|unix.MS_NOSUID|unix.MS_NODEV, "")
	}
	if err != nil {
		return fmt.Errorf("make / read-only: %w", err)
	}
	return nil
}

// readOnlyTree makes the mount at dir and every mount below it read-only,
// nosuid and nodev.
func readOnlyTree(dir string) error {
	attr := &unix.MountAttr{Attr_set: unix.MOUNT_ATTR_RDONLY | unix.MOUNT_ATTR_NOSUID | unix.MOUNT_ATTR_NODEV}
	err := unix.MountSetattr(-1, dir, unix.AT_RECURSIVE, attr)
	if err == nil {
		return nil
	}
	if !errors.Is(err, unix.ENOSYS) {
		return fmt.Errorf("make %s read-only: %w", dir, err)
	}
	// Kernels before 5.12: remount each mount, keeping its locked flags.
	info, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return fmt.Errorf("make %s read-only: %w", dir, err)
	}
	for _, line := range strings.Split(string(info), "\n") {
		f := strings.Fields(line)
		if len(f) < 5 {
			continue
		}
		mp := UnescapeMountinfo(f[4])
		if mp != dir && !strings.HasPrefix(mp, dir+"/") {
			continue
		}
		var st unix.Statfs_t
		if err := unix.Statfs(mp, &st); err != nil {
			continue // hidden or gone
		}
		keep := uintptr(st.Flags) & (unix.MS_NOEXEC | unix.MS_NOATIME | unix.MS_NODIRATIME | unix.MS_RELATIME)
		flags := unix.MS_REMOUNT | unix.MS_BIND | unix.MS_RDONLY | unix.MS_NOSUID | unix.MS_NODEV | keep
		if err := unix.Mount("", mp, "", flags, ""); err != nil {
			return fmt.Errorf("remount %s read-only: %w", mp, err)
		}
	}
	return nil
}

// UnescapeMountinfo decodes the octal escapes (\040 for a space) of a
// mountinfo path.
func UnescapeMountinfo(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// bindFD bind-mounts the file or directory open as fd onto target, creating
// target (an empty file or folder) when mkParents is set or its parent exists.
func bindFD(fd int, target string, mkParents bool) error {
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return fmt.Errorf("bind %s: %w", target, err)
	}
	if mkParents {
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return fmt.Errorf("bind %s: %w", target, err)
		}
	}
	if st.Mode&unix.S_IFMT == unix.S_IFDIR {
		if err := os.Mkdir(target, 0o755); err != nil && !os.IsExist(err) {
			return fmt.Errorf("bind %s: %w", target, err)
		}
	} else if err := os.WriteFile(target, nil, 0o644); err != nil && !os.IsExist(err) {
		return fmt.Errorf("bind %s: %w", target, err)
	}
	src := "/proc/self/fd/" + strconv.Itoa(fd)
	if err := unix.Mount(src, target, "", unix.MS_BIND, ""); err != nil {
		return fmt.Errorf("bind %s: %w", target, err)
	}
	return nil
}

// fileIn is a file of the caller to make reachable inside the sandbox.
type fileIn struct {
	path string // absolute path, kept inside the sandbox
	fd   int    // the file, opened read-only by the caller
	own  int    // the file opened by path in the run's mount namespace, or -1
}

// openFilesIn opens, before anything hides them, the caller's files at
// their paths in the run's own mount namespace, where the sandbox's user can
// reach them there. Only such descriptors can be bind-mounted.
func openFilesIn(paths []string) []fileIn {
	files := make([]fileIn, len(paths))
	for i, p := range paths {
		files[i] = fileIn{path: p, fd: FDFiles + i, own: -1}
		var want, got unix.Stat_t
		fd, err := unix.Open(p, unix.O_PATH|unix.O_CLOEXEC, 0)
		if err != nil {
			continue
		}
		if unix.Fstat(files[i].fd, &want) == nil && unix.Fstat(fd, &got) == nil && got.Dev == want.Dev && got.Ino == want.Ino {
			files[i].own = fd
		} else {
			unix.Close(fd)
		}
	}
	return files
}

// placeIn makes f reachable at its path inside the sandbox's new root,
// before the host's tree is detached. Nothing is done when the path already
// leads to the file (a program under /usr, say). Otherwise the missing
// folders are created in the new root (or in the tmpfs holding the path,
// such as /tmp) and the file is bind-mounted there, read-only, nosuid and
// nodev, or copied there when the sandbox's user could not reach it at its
// path (files under a private folder of root, such as the temporary
// folders of tests) and copy is set. Only the file is shown, not its
// folder.
func placeIn(f fileIn, copy bool) error {
	var want, got unix.Stat_t
	if err := unix.Fstat(f.fd, &want); err != nil {
		return fmt.Errorf("place %s in the sandbox: %w", f.path, err)
	}
	if err := unix.Stat(f.path, &got); err == nil && got.Dev == want.Dev && got.Ino == want.Ino && (!copy || unix.Access(f.path, unix.R_OK) == nil) {
		return nil
	}
	hint := func(err error) error {
		return fmt.Errorf("place %s in the sandbox: %w (a file to trace that user %d cannot read is copied into a %s file system)", f.path, err, Nobody, tmpfsSize)
	}
	if err := os.MkdirAll(filepath.Dir(f.path), 0o755); err != nil {
		return hint(err)
	}
	if f.own >= 0 {
		if err := bindFD(f.own, f.path, false); err != nil {
			return hint(err)
		}
		return readOnlyTree(f.path)
	}
	if !copy {
		return fmt.Errorf("place %s in the sandbox: not reachable at its path, and not to be copied", f.path)
	}
	src := os.NewFile(uintptr(f.fd), f.path)
	dst, err := os.OpenFile(f.path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, os.FileMode(want.Mode&0o555))
	if err != nil {
		return hint(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		dst.Close()
		return hint(err)
	}
	if err := dst.Close(); err != nil {
		return hint(err)
	}
	return nil
}

// loopbackUp brings up the loopback interface of the run's network namespace.
func loopbackUp() error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("bring up loopback: %w", err)
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq("lo")
	if err != nil {
		return fmt.Errorf("bring up loopback: %w", err)
	}
	ifr.SetUint16(unix.IFF_UP | unix.IFF_RUNNING)
	if err := unix.IoctlIfreq(fd, unix.SIOCSIFFLAGS, ifr); err != nil {
		return fmt.Errorf("bring up loopback: %w", err)
	}
	return nil
}

// setLimits sets the resource limits of the run; cpu is RLIMIT_CPU in
// seconds.
func setLimits(cpu uint64) error {
	limits := []struct {
		name string
		res  int
		val  uint64
	}{
		{"processes", unix.RLIMIT_NPROC, LimitProcs},
		{"address space", unix.RLIMIT_AS, LimitAS},
		{"file size", unix.RLIMIT_FSIZE, limitFileSize},
		{"open files", unix.RLIMIT_NOFILE, limitFiles},
		{"core size", unix.RLIMIT_CORE, 0},
		{"cpu time", unix.RLIMIT_CPU, cpu},
	}
	for _, l := range limits {
		if l.val == 0 && l.res == unix.RLIMIT_CPU {
			continue
		}
		rl := unix.Rlimit{Cur: l.val, Max: l.val}
		var old unix.Rlimit
		if err := unix.Getrlimit(l.res, &old); err == nil && old.Max < l.val {
			rl = unix.Rlimit{Cur: old.Max, Max: old.Max} // never raise a limit
		}
		if err := unix.Setrlimit(l.res, &rl); err != nil {
			return fmt.Errorf("limit %s: %w", l.name, err)
		}
	}
	return nil
}

// Securebits (linux/securebits.h).
const (
	secbitNoroot                = 1 << 0
	secbitNorootLocked          = 1 << 1
	secbitNoSetuidFixup         = 1 << 2
	secbitNoSetuidFixupLocked   = 1 << 3
	secbitKeepCapsLocked        = 1 << 5
	secbitNoCapAmbientRaise     = 1 << 6
	secbitNoCapAmbientRaiseLock = 1 << 7
	secbitAllLockedNoPrivileges = secbitNoroot | secbitNorootLocked | secbitNoSetuidFixup | secbitNoSetuidFixupLocked | secbitKeepCapsLocked | secbitNoCapAmbientRaise | secbitNoCapAmbientRaiseLock
	capabilityVersion3          = unix.LINUX_CAPABILITY_VERSION_3
)

// dropPrivileges removes every capability from the calling thread for good
// and sets no_new_privs, so that neither strace nor the program regains one,
// not even as uid 0 of the run's user namespace or through a set-user-ID
// file.
func dropPrivileges() error {
	if err := unix.Prctl(unix.PR_SET_SECUREBITS, secbitAllLockedNoPrivileges, 0, 0, 0); err != nil {
		return fmt.Errorf("lock securebits: %w", err)
	}
	last := 40
	if b, err := os.ReadFile("/proc/sys/kernel/cap_last_cap"); err == nil {
		if n, err := strconv.Atoi(string(bytes.TrimSpace(b))); err == nil {
			last = n
		}
	}
	for c := 0; c <= last; c++ {
		if err := unix.Prctl(unix.PR_CAPBSET_DROP, uintptr(c), 0, 0, 0); err != nil && !errors.Is(err, unix.EINVAL) {
			return fmt.Errorf("drop capability %d from the bounding set: %w", c, err)
		}
	}
	if err := unix.Prctl(unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0); err != nil && !errors.Is(err, unix.EINVAL) {
		return fmt.Errorf("clear ambient capabilities: %w", err)
	}
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("set no_new_privs: %w", err)
	}
	hdr := unix.CapUserHeader{Version: capabilityVersion3}
	var data [2]unix.CapUserData
	if err := unix.Capset(&hdr, &data[0]); err != nil {
		return fmt.Errorf("drop capabilities: %w", err)
	}
	return nil
}
