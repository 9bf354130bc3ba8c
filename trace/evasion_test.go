package trace

import (
	"strings"
	"testing"
)

func TestEvasion(t *testing.T) {
	log := `7 clone(child_stack=NULL, flags=CLONE_UNTRACED|SIGCHLD) = -1 EPERM (Operation not permitted)
7 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f) = 8
7 ptrace(PTRACE_SEIZE, 1, NULL, 0) = -1 EPERM (Operation not permitted)
7 ptrace(PTRACE_SEIZE, 12, NULL, 0) = -1 EPERM (Operation not permitted)
7 kill(1, SIGTERM) = -1 EPERM (Operation not permitted)
7 kill(11, SIGTERM) = 0
7 pidfd_open(1, 0) = -1 EPERM (Operation not permitted)
7 openat(AT_FDCWD, "/proc/1/mem", O_RDWR) = 3
7 openat(AT_FDCWD, "/proc/11/mem", O_RDWR) = 4
7 io_uring_setup(8, {flags=0, sq_thread_cpu=0, sq_thread_idle=0}) = -1 ENOSYS (Function not implemented)
7 [   5] open("/etc/shadow", O_RDONLY) = -1 ENOSYS (Function not implemented)
7 [   2] open("/etc/shadow", O_RDONLY) = -1 EACCES (Permission denied)
`
	var got []string
	if _, err := ParseStrace(strings.NewReader(log), func(c *Call) error {
		got = append(got, Evasion(c))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	want := []string{"clone with CLONE_UNTRACED", "", "ptrace of pid 1 (the tracer)", "", "kill of pid 1 (the tracer)", "",
		"pidfd_open of pid 1 (the tracer)", "open of /proc/1/mem (the tracer's memory)", "",
		"io_uring_setup (io_uring: file and socket operations out of the tracer's sight)", "32-bit call open (int $0x80)", ""}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("Evasion = %q, want %q", got, want)
	}
}
