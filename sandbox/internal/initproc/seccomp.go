//go:build amd64 || arm64

package initproc

import (
	"fmt"
	"runtime"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The seccomp filter keeps every process of a run in the tracer's sight. It
// is installed by the init just before it execs strace, so it binds strace
// and everything strace starts, and no process can remove it. It refuses:
//
//   - clone with CLONE_UNTRACED (EPERM): such a child would never be
//     reported to strace -f;
//   - clone3 (ENOSYS): its flags lie in memory, out of the filter's sight;
//     libc then falls back to clone;
//   - io_uring_setup, io_uring_enter and io_uring_register (ENOSYS): a
//     ring performs opens, reads, writes and connects in the kernel without
//     a system call strace could see; programs fall back to plain calls;
//   - ptrace, process_vm_readv/writev, pidfd_open, kill, tkill, tgkill,
//     rt_sigqueueinfo and rt_tgsigqueueinfo aimed at the tracer's pid (EPERM):
//     the tracer is pid 1 of the run's pid namespace (the init's own pid,
//     which strace keeps when the init execs it);
//   - every call of another ABI (ENOSYS): on x86-64 the i386 (int 0x80) and
//     x32 entry points have their own numbers, on arm64 the 32-bit one.
//
// strace stops a call at its entry before seccomp judges it, so a refused
// call appears in the trace with its error, for example
// "clone(child_stack=NULL, flags=CLONE_UNTRACED|SIGCHLD) = -1 EPERM".
//
// A pid argument is a C int: the kernel reads only the low 32 bits of the
// 64-bit register, and so does the filter (on little-endian x86-64 and arm64
// the low half of args[i] is at offset 16+8*i of struct seccomp_data). The
// arm64 version is built but has not been run by the tests.

// Offsets in struct seccomp_data.
const (
	dataNr   = 0
	dataArch = 4
	dataArg0 = 16 // low 32 bits of args[0]
	dataArg1 = 24 // low 32 bits of args[1]
)

// Return values of the filter.
const (
	retAllow  = unix.SECCOMP_RET_ALLOW
	retEPERM  = unix.SECCOMP_RET_ERRNO | uint32(unix.EPERM)
	retENOSYS = unix.SECCOMP_RET_ERRNO | uint32(unix.ENOSYS)
)

// pidArg lists the calls refused when one argument is the tracer's pid, by
// the offset of that argument.
var pidArg = []struct {
	nr  uint32
	off uint32
}{
	{unix.SYS_PTRACE, dataArg1}, // ptrace(request, pid, ...)
	{unix.SYS_PROCESS_VM_READV, dataArg0},
	{unix.SYS_PROCESS_VM_WRITEV, dataArg0},
	{unix.SYS_PIDFD_OPEN, dataArg0},
	{unix.SYS_KILL, dataArg0},
	{unix.SYS_TKILL, dataArg0},
	{unix.SYS_TGKILL, dataArg0},
	{unix.SYS_RT_SIGQUEUEINFO, dataArg0},
	{unix.SYS_RT_TGSIGQUEUEINFO, dataArg0},
}

// bpf assembles a classic BPF program whose jumps name labels, so that
// no offset is counted by hand.
type bpf struct {
	ins    []unix.SockFilter
	labels map[string]int
	jumps  map[int][2]string // instruction index -> labels when true, when false ("" is the next instruction)
}

func (b *bpf) stmt(code uint16, k uint32) {
	b.ins = append(b.ins, unix.SockFilter{Code: code, K: k})
}

func (b *bpf) jump(code uint16, k uint32, yes, no string) {
	b.jumps[len(b.ins)] = [2]string{yes, no}
	b.ins = append(b.ins, unix.SockFilter{Code: unix.BPF_JMP | code | unix.BPF_K, K: k})
}

func (b *bpf) label(name string) { b.labels[name] = len(b.ins) }

func (b *bpf) assemble() ([]unix.SockFilter, error) {
	for i, l := range b.jumps {
		for j, name := range l {
			if name == "" {
				continue
			}
			to, ok := b.labels[name]
			if !ok || to <= i || to-i-1 > 255 {
				return nil, fmt.Errorf("seccomp filter: bad jump to %q", name)
			}
			if j == 0 {
				b.ins[i].Jt = uint8(to - i - 1)
			} else {
				b.ins[i].Jf = uint8(to - i - 1)
			}
		}
	}
	return b.ins, nil
}

// filter returns the program for a tracer whose pid is tracer.
func filter(tracer int) ([]unix.SockFilter, error) {
	b := &bpf{labels: map[string]int{}, jumps: map[int][2]string{}}
	ld := func(off uint32) { b.stmt(unix.BPF_LD|unix.BPF_W|unix.BPF_ABS, off) }

	// Another ABI numbers its calls differently: refuse them all.
	ld(dataArch)
	b.jump(unix.BPF_JEQ, auditArch, "", "enosys")
	ld(dataNr)
	if x32SyscallBit != 0 {
		b.jump(unix.BPF_JGE, x32SyscallBit, "enosys", "")
	}
	b.jump(unix.BPF_JEQ, unix.SYS_CLONE, "clone", "")
	b.jump(unix.BPF_JEQ, unix.SYS_CLONE3, "enosys", "")
	for _, nr := range []uint32{unix.SYS_IO_URING_SETUP, unix.SYS_IO_URING_ENTER, unix.SYS_IO_URING_REGISTER} {
		b.jump(unix.BPF_JEQ, nr, "enosys", "")
	}
	for _, p := range pidArg {
		name := fmt.Sprintf("pid@%d", p.off)
		b.jump(unix.BPF_JEQ, p.nr, name, "")
	}
	b.stmt(unix.BPF_RET|unix.BPF_K, retAllow)

	// clone(flags, ...): no CLONE_UNTRACED.
	b.label("clone")
	ld(dataArg0)
	b.jump(unix.BPF_JSET, unix.CLONE_UNTRACED, "eperm", "allow")

	// Calls aimed at the tracer.
	for _, off := range []uint32{dataArg0, dataArg1} {
		b.label(fmt.Sprintf("pid@%d", off))
		ld(off)
		b.jump(unix.BPF_JEQ, uint32(tracer), "eperm", "allow")
	}

	b.label("allow")
	b.stmt(unix.BPF_RET|unix.BPF_K, retAllow)
	b.label("eperm")
	b.stmt(unix.BPF_RET|unix.BPF_K, retEPERM)
	b.label("enosys")
	b.stmt(unix.BPF_RET|unix.BPF_K, retENOSYS)
	return b.assemble()
}

// installFilter installs the filter for all threads of the calling process,
// whose pid will be the tracer's once it execs strace. no_new_privs must
// be set.
func installFilter() error {
	prog, err := filter(unix.Getpid())
	if err != nil {
		return err
	}
	fprog := unix.SockFprog{Len: uint16(len(prog)), Filter: &prog[0]}
	_, _, errno := unix.Syscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, unix.SECCOMP_FILTER_FLAG_TSYNC, uintptr(unsafe.Pointer(&fprog)))
	runtime.KeepAlive(prog)
	if errno != 0 {
		return fmt.Errorf("install seccomp filter: %w", errno)
	}
	return nil
}
