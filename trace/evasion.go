package trace

import "strings"

// Evasion says whether c is an attempt to act out of the tracer's sight or
// on the tracer itself, and names it: "clone with CLONE_UNTRACED" (a child
// strace -f would never see; likewise clone3), or a call aimed at pid 1, which is strace in
// Run's sandbox: "ptrace of pid 1 (the tracer)", likewise for
// process_vm_readv, process_vm_writev, pidfd_open, kill, tkill, tgkill,
// rt_sigqueueinfo and rt_tgsigqueueinfo, and "open of /proc/1/mem (the
// tracer's memory)"; "io_uring_setup (io_uring: file and socket
// operations out of the tracer's sight)", likewise io_uring_enter and
// io_uring_register; and a call through the i386 entry point (Compat):
// "32-bit call open (int $0x80)". It returns "" for any other call. The
// sandbox refuses these calls (but for the open); they still show in the
// trace, with their error.
func Evasion(c *Call) string {
	if c.Compat {
		return "32-bit call " + c.Name + " (int $0x80)"
	}
	switch c.Name {
	case "io_uring_setup", "io_uring_enter", "io_uring_register":
		return c.Name + " (io_uring: file and socket operations out of the tracer's sight)"
	case "clone", "clone3":
		if strings.Contains(c.Args(), "CLONE_UNTRACED") {
			return c.Name + " with CLONE_UNTRACED"
		}
	case "ptrace":
		if c.Arg(1) == "1" {
			return "ptrace of pid 1 (the tracer)"
		}
	case "process_vm_readv", "process_vm_writev", "pidfd_open", "kill", "tkill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo":
		if c.Arg(0) == "1" {
			return c.Name + " of pid 1 (the tracer)"
		}
	case "open", "openat", "openat2":
		a := c.Args()
		if strings.Contains(a, `"/proc/1/mem"`) || strings.Contains(a, `"/proc/1/task/1/mem"`) {
			return "open of /proc/1/mem (the tracer's memory)"
		}
	}
	return ""
}
