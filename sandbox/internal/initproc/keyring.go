package initproc

import (
	"errors"
	"fmt"

	"golang.org/x/sys/unix"
)

// newSessionKeyring gives the calling thread, and so strace and the
// program, a new empty session keyring of their own: the caller's session
// keyring, and every key in it, is no longer possessed, and a key the
// program adds lives only as long as the run's processes. Where the kernel
// has no keys or a policy of the host refuses keyctl, the program cannot
// reach a keyring either, and nothing needs doing.
func newSessionKeyring() error {
	// A null name makes an anonymous keyring, which no one else can join.
	_, _, errno := unix.Syscall(unix.SYS_KEYCTL, unix.KEYCTL_JOIN_SESSION_KEYRING, 0, 0)
	if errno == 0 {
		return nil
	}
	var err error = errno
	if errors.Is(err, unix.ENOSYS) || errors.Is(err, unix.EPERM) {
		if _, err2 := unix.KeyctlGetKeyringID(unix.KEY_SPEC_SESSION_KEYRING, false); err2 != nil {
			return nil
		}
	}
	return fmt.Errorf("join a new session keyring: %w", err)
}
