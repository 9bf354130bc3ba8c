package features

import "slices"

// Category is the behavioural group a system call belongs to. Every name
// is in at most one category; most names (time, signals, scheduling,
// identity queries ...) are in none and count only towards the
// distribution features.
type Category uint8

// The five categories whose shares are features.
const (
	None Category = iota
	File
	Process
	Network
	Memory
	Security
)

var categoryNames = [...]string{"none", "file", "process", "network", "memory", "security"}

func (c Category) String() string {
	if int(c) < len(categoryNames) {
		return categoryNames[c]
	}
	return "unknown"
}

// categories is the one table that defines the categories. Names cover
// both x86_64 and i386 (ADFA-LD) spellings, so that the 32-bit variants
// (stat64, _llseek, mmap2, setuid32, socketcall ...) land where their
// 64-bit counterparts do. The README's category table is generated from
// this map by `go test ./features -run TestREADMECategories -update`.
// ("pread" and "pwrite" are the audit tables' x86_64 spellings of
// pread64 and pwrite64, used for x86_64 syscall-number traces.)
var categories = map[string]Category{
	// File I/O and metadata.
	"open": File, "openat": File, "openat2": File, "creat": File,
	"open_by_handle_at": File, "name_to_handle_at": File,
	"read": File, "readv": File, "pread64": File, "pread": File, "preadv": File, "preadv2": File,
	"write": File, "writev": File, "pwrite64": File, "pwrite": File, "pwritev": File, "pwritev2": File,
	"close": File, "close_range": File,
	"stat": File, "fstat": File, "lstat": File, "newfstatat": File, "statx": File,
	"stat64": File, "fstat64": File, "lstat64": File, "fstatat64": File,
	"oldstat": File, "oldfstat": File, "oldlstat": File,
	"statfs": File, "fstatfs": File, "statfs64": File, "fstatfs64": File, "ustat": File,
	"lseek": File, "_llseek": File, "llseek": File,
	"unlink": File, "unlinkat": File, "rmdir": File,
	"rename": File, "renameat": File, "renameat2": File,
	"mkdir": File, "mkdirat": File, "mknod": File, "mknodat": File,
	"getdents": File, "getdents64": File, "readdir": File,
	"access": File, "faccessat": File, "faccessat2": File,
	"readlink": File, "readlinkat": File,
	"link": File, "linkat": File, "symlink": File, "symlinkat": File,
	"truncate": File, "ftruncate": File, "truncate64": File, "ftruncate64": File,
	"fallocate": File, "fadvise64": File, "fadvise64_64": File,
	"dup": File, "dup2": File, "dup3": File, "fcntl": File, "fcntl64": File, "flock": File,
	"fsync": File, "fdatasync": File, "sync": File, "syncfs": File, "sync_file_range": File,
	"chdir": File, "fchdir": File, "getcwd": File,
	"utime": File, "utimes": File, "utimensat": File, "futimesat": File,
	"sendfile": File, "sendfile64": File, "copy_file_range": File,
	"getxattr": File, "lgetxattr": File, "fgetxattr": File,
	"setxattr": File, "lsetxattr": File, "fsetxattr": File,
	"listxattr": File, "llistxattr": File, "flistxattr": File,
	"removexattr": File, "lremovexattr": File, "fremovexattr": File,

	// Process life cycle and signalling of other processes.
	"fork": Process, "vfork": Process, "clone": Process, "clone3": Process,
	"execve": Process, "execveat": Process,
	"wait4": Process, "waitpid": Process, "waitid": Process,
	"kill": Process, "tkill": Process, "tgkill": Process,
	"rt_sigqueueinfo": Process, "rt_tgsigqueueinfo": Process,
	"pidfd_open": Process, "pidfd_send_signal": Process,
	"exit": Process, "exit_group": Process,

	// Network (socketcall is i386's multiplexer for all socket calls).
	"socket": Network, "socketpair": Network, "socketcall": Network,
	"connect": Network, "bind": Network, "listen": Network,
	"accept": Network, "accept4": Network,
	"send": Network, "sendto": Network, "sendmsg": Network, "sendmmsg": Network,
	"recv": Network, "recvfrom": Network, "recvmsg": Network, "recvmmsg": Network,
	"shutdown": Network, "getsockopt": Network, "setsockopt": Network,
	"getsockname": Network, "getpeername": Network,

	// Memory mapping and protection.
	"mmap": Memory, "mmap2": Memory, "old_mmap": Memory, "munmap": Memory,
	"mremap": Memory, "brk": Memory, "mprotect": Memory, "pkey_mprotect": Memory,
	"madvise": Memory, "mincore": Memory, "remap_file_pages": Memory,
	"mlock": Memory, "mlock2": Memory, "mlockall": Memory,
	"munlock": Memory, "munlockall": Memory, "msync": Memory,

	// Permissions, identity changes, capabilities and confinement.
	"chmod": Security, "fchmod": Security, "fchmodat": Security, "fchmodat2": Security,
	"chown": Security, "fchown": Security, "lchown": Security, "fchownat": Security,
	"chown32": Security, "fchown32": Security, "lchown32": Security,
	"setuid": Security, "setgid": Security, "setreuid": Security, "setregid": Security,
	"setresuid": Security, "setresgid": Security, "setfsuid": Security, "setfsgid": Security,
	"setuid32": Security, "setgid32": Security, "setreuid32": Security, "setregid32": Security,
	"setresuid32": Security, "setresgid32": Security, "setfsuid32": Security, "setfsgid32": Security,
	"setgroups": Security, "setgroups32": Security,
	"capset": Security, "capget": Security, "ptrace": Security, "prctl": Security,
	"seccomp": Security, "personality": Security,
	"unshare": Security, "setns": Security, "chroot": Security, "pivot_root": Security,
	"mount": Security, "umount": Security, "umount2": Security,
	"init_module": Security, "finit_module": Security, "delete_module": Security,
	"kexec_load": Security, "kexec_file_load": Security, "bpf": Security,
	"keyctl": Security, "add_key": Security, "request_key": Security,
	"landlock_create_ruleset": Security, "landlock_add_rule": Security,
	"landlock_restrict_self": Security,
}

// CategoryOf returns the category of a system call name, None if it has none.
func CategoryOf(name string) Category { return categories[name] }

// CategoryNames returns the names in category c, sorted.
func CategoryNames(c Category) []string {
	var out []string
	for n, cc := range categories {
		if cc == c {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out
}
