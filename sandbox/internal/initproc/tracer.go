package initproc

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// shieldTracer covers the memory files of the run's pid 1, which becomes
// strace, with an empty read-only file: the traced program runs as the same
// user as strace and could otherwise rewrite strace's memory through
// /proc/1/mem. (Making strace undumpable instead would also hide the memory
// of the child it forks, whose first execve could then not be decoded.)
// The seccomp filter refuses the calls that reach the tracer by pid. The
// mounts are locked for any namespace the program could create.
func shieldTracer() error {
	cover := filepath.Join(filepath.Dir(ScratchDir), ".tracer-shield")
	if err := os.WriteFile(cover, nil, 0o400); err != nil {
		return fmt.Errorf("shield the tracer: %w", err)
	}
	defer os.Remove(cover) // the mounts keep the file
	for _, f := range []string{"/proc/1/mem", "/proc/1/task/1/mem"} {
		if err := unix.Mount(cover, f, "", unix.MS_BIND, ""); err != nil {
			return fmt.Errorf("shield the tracer's %s: %w", f, err)
		}
		if err := unix.Mount("", f, "", unix.MS_REMOUNT|unix.MS_BIND|unix.MS_RDONLY|unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, ""); err != nil && !errors.Is(err, unix.ENOSYS) {
			return fmt.Errorf("shield the tracer's %s: %w", f, err)
		}
	}
	return nil
}
