// SPDX-License-Identifier: GPL-2.0
// In-kernel per-process system-call counting for detector's eBPF tracer.
// Raw tracepoints only; no vmlinux.h is needed because the target filter
// uses helpers (bpf_get_ns_current_pid_tgid, bpf_get_current_cgroup_id).
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

// Minimal kernel structs; CO-RE relocates the fields against the
// running kernel's BTF (/sys/kernel/btf/vmlinux).
struct inode;
struct file;

struct mm_struct {
	unsigned long arg_start;
	unsigned long arg_end;
	struct file *exe_file;
} __attribute__((preserve_access_index));

struct super_block {
	__u32 s_dev;
} __attribute__((preserve_access_index));

struct inode {
	unsigned short i_mode;
	unsigned long i_ino;
	struct super_block *i_sb;
} __attribute__((preserve_access_index));

struct file {
	struct inode *f_inode;
	void *private_data;
} __attribute__((preserve_access_index));

struct fdtable {
	unsigned int max_fds;
	struct file **fd;
} __attribute__((preserve_access_index));

struct files_struct {
	struct fdtable *fdt;
} __attribute__((preserve_access_index));

struct upid {
	int nr;
} __attribute__((preserve_access_index));

struct pid {
	struct upid numbers[1];
} __attribute__((preserve_access_index));

// pids is indexed by enum pid_type: PIDTYPE_SID is 3.
struct signal_struct {
	struct pid *pids[4];
} __attribute__((preserve_access_index));

struct task_struct {
	int pid;
	int tgid;
	int exit_code;
	struct mm_struct *mm;
	struct files_struct *files;
	struct task_struct *real_parent;
	struct signal_struct *signal;
} __attribute__((preserve_access_index));

struct in6_addr {
	union {
		__u8 u6_addr8[16];
	} in6_u;
} __attribute__((preserve_access_index));

// The fields sit in anonymous unions in the kernel's struct; relocation
// finds them there.
struct sock_common {
	__u32 skc_daddr;
	__u32 skc_rcv_saddr;
	__u16 skc_dport;
	__u16 skc_num;
	unsigned short skc_family;
	struct in6_addr skc_v6_daddr;
	struct in6_addr skc_v6_rcv_saddr;
} __attribute__((preserve_access_index));

struct sock {
	struct sock_common __sk_common;
} __attribute__((preserve_access_index));

struct socket {
	short type;
	struct sock *sk;
} __attribute__((preserve_access_index));

struct linux_binprm {
	const char *filename;
	struct file *file;
} __attribute__((preserve_access_index));

struct pt_regs {
	unsigned long di;
	unsigned long si;
	unsigned long dx;
	unsigned long r10;
	unsigned long orig_ax;
} __attribute__((preserve_access_index));

#define PATH_LEN 256
#define ADDR_LEN 128
#define ARGV_LEN 1024
#define S_IFMT 0170000
#define S_IFSOCK 0140000

enum { EV_FORK = 1, EV_EXEC = 2, EV_EXIT = 3, EV_CALL = 4, EV_SYS = 5 };

enum { FD_UNKNOWN = 0, FD_SOCKET = 1, FD_OTHER = 2 };

// struct fdinfo says what a descriptor is, read from the process's file
// table when the call is made (a socket's addresses, which /proc could
// only tell while the process lives), mirrored by rawFD in tracer.go.
struct fdinfo {
	__u16 kind;     // FD_*
	__u16 family;   // sockets: AF_INET, AF_INET6, AF_UNIX...
	__u16 type;     // sockets: SOCK_STREAM, SOCK_DGRAM...
	__u16 lport;    // host order
	__u16 rport;    // host order
	__u16 pad;
	__u32 dev;      // the inode's file system (a dev_t)
	__u64 ino;
	__u8 laddr[16]; // AF_INET: the first four bytes
	__u8 raddr[16];
};

// struct event is mirrored by rawEvent in tracer.go (kept out of the BTF
// on purpose: a global naming it would add a .bss map).
struct event {
	__u32 kind;
	__u32 pid;      // tgid of the process
	__u64 ts;       // when, in the kernel's monotonic clock (ns)
	__u32 child;    // EV_FORK: tgid of the child
	__s32 code;     // EV_EXIT: exit code (wait status); EV_CALL: call number
	__u32 len;      // EV_CALL connect: sockaddr length
	__u32 flags;    // EV_CALL openat: the open flags; connect, listen: the descriptor
	__s64 ret;      // EV_CALL in stream mode: the return value
	__s64 arg[3];   // EV_CALL: the first three arguments, as numbers
	struct fdinfo fd; // EV_CALL: what the first argument's descriptor is
	char data[PATH_LEN]; // EV_CALL path or sockaddr bytes
	char data2[PATH_LEN]; // EV_CALL the second path (rename, link, symlink)
};

// struct exec_event is a new program (EV_EXEC) with its argv, mirrored by
// rawExec in tracer.go.
struct exec_event {
	__u32 kind;
	__u32 pid;
	__u64 ts;
	__u32 argv_len; // bytes of argv: the arguments, each ended by a NUL
	__u32 argv_cut; // 1 when argv was longer than ARGV_LEN
	__u32 sid;      // the process's session: its leader's pid (host)
	__u32 execs;    // the replaced program's key in the map replaced
	char path[PATH_LEN];
	char argv[ARGV_LEN];
};

// struct sys_event is a call without its arguments (stream mode), mirrored
// by rawSys in tracer.go.
struct sys_event {
	__u32 kind;     // EV_SYS
	__u32 pid;
	__u64 ts;
	__s32 nr;
	__u32 known;    // 1 when ret is the return value (not for exit, exit_group, rt_sigreturn)
	__s64 ret;
	__s64 arg0;     // the first argument (exit and exit_group: the status)
};

// Ring buffer of events; its size is set by the loader.
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 16);
} events SEC(".maps");

// lost counts events that found the ring buffer full, per CPU, by kind
// (EV_*; index 0 holds them all).
#define LOST_KINDS 8
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, LOST_KINDS);
	__type(key, __u32);
	__type(value, __u64);
} lost SEC(".maps");

// drops counts, per process (tgid), the events it lost (the ring was full,
// or its rate limit spent), until user space reads and deletes them.
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, __u64);
} drops SEC(".maps");

// interest holds the path prefixes whose read-only opens are sent (see
// filtered); an exact path is stored with its terminating NUL. The value
// is unused. Empty, with config.filter unset, every open is sent.
#define KEY_LEN 64
struct path_key {
	__u32 prefixlen; // in bits
	__u8 data[KEY_LEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 1024);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct path_key);
	__type(value, __u8);
} interest SEC(".maps");

// scratch holds the path_key of the call being filtered (too large for
// the BPF stack beside the rest).
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct path_key);
} scratch SEC(".maps");

// filtered counts, per CPU, the read-only opens the filter kept in the
// kernel (no rule could use them).
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} filtered SEC(".maps");

// recent folds repeated identical calls of a process: a ptrace request
// (or process_vm_readv, process_vm_writev) on the same target, as a
// tracer makes thousands of, within FOLD_NS of the first sent one, is
// counted in folded instead of sent.
#define FOLD_NS 1000000000ULL
struct fold_key {
	__u32 tgid;
	__u32 nr;
	__u64 a0;
	__u64 a1;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct fold_key);
	__type(value, __u64);
} recent SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} folded SEC(".maps");

// skip holds the processes left out of judgement (config.self_ino):
// SKIP_SELF, a process running detector's own binary (and its children
// until they exec another program), SKIP_SANDBOX, one of detector's
// sandboxes (its init, re-executed from detector's binary under the
// marker name, and every process below it).
enum { SKIP_SELF = 1, SKIP_SANDBOX = 2 };
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, __u8);
} skip SEC(".maps");

#define MAX_NR 512

// calls marks (1) the call numbers whose arguments are sent as events; an
// array, whose lookups the verifier inlines.
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MAX_NR);
	__type(key, __u32);
	__type(value, __u8);
} calls SEC(".maps");

#define AT_FDCWD -100

enum { MODE_ALL = 0, MODE_PIDNS = 1, MODE_CGROUP = 2 };

struct config {
	__u32 mode;
	__u32 stream; // every call is an event, at its exit, with its return value
	__u64 ns_dev;
	__u64 ns_ino;
	__u64 cgroup_id;
	__u64 wakeup; // wake the reader once this many bytes wait in the ring
	// origin, when set, is the process whose children's counts restart at
	// their first exec; the other processes keep, as strace -f does, the
	// calls they made before it. Unset, every exec restarts its process's
	// counts.
	__u32 origin;
	// filter: read-only opens are sent only when their path falls under
	// the interest map's prefixes (or is relative, or holds a "/."
	// component, which user space resolves).
	__u32 filter;
	// self_dev and self_ino name detector's own executable (the kernel's
	// dev_t); set, its processes and sandboxes are left out (skip).
	__u64 self_dev;
	__u64 self_ino;
	char marker[32]; // argv[0] of a sandbox's init
	// rate and burst: each process may send burst events at once and
	// rate more per second (0: no limit); exec, exit, fork and the rare
	// kinds (connect, credentials, modules, ptrace, opens under the
	// interest prefixes) are never limited.
	__u32 rate;
	__u32 burst;
	// fold: repeated identical ptrace requests are counted, not sent
	// (see fold).
	__u32 fold;
	__u32 pad2;
};

// The total is the counts' sum, left to user space: one atomic add less
// per call.
struct proc_counts {
	__u64 transitions;
	__s64 last; // last call number, -1 before the first call
	__u32 counts[MAX_NR];
	__u32 execs; // the execs that restarted the counts
	__u32 tokens; // rate limit: events the process may still send
	__u64 refill; // rate limit: when tokens were last refilled (ns)
};

// replaced_key names the program a process ran before its execs-th exec.
struct replaced_key {
	__u32 tgid;
	__u32 execs;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct config);
} cfg SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u32);
	__type(value, struct proc_counts);
} procs SEC(".maps");

// exited keeps the counts of processes that ended, until user space has
// read them with the exit event (or, unread, until newer ones push them
// out: the map evicts the least recently used).
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct proc_counts);
} exited SEC(".maps");

// replaced keeps, where every exec restarts the counts (no origin), the
// counts of the program an exec replaced, until user space has read them
// with the exec event (or newer ones push them out).
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, struct replaced_key);
	__type(value, struct proc_counts);
} replaced SEC(".maps");

// zero is a template for new entries (too large for the BPF stack).
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct proc_counts);
} zero SEC(".maps");

// full counts calls of processes that found the procs map full.
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} full SEC(".maps");

static __always_inline int wanted(void)
{
	__u32 k = 0;
	struct config *c = bpf_map_lookup_elem(&cfg, &k);
	if (!c)
		return 0;
	if (c->mode == MODE_ALL)
		return 1;
	if (c->mode == MODE_PIDNS) {
		struct bpf_pidns_info ns = {};
		return bpf_get_ns_current_pid_tgid(c->ns_dev, c->ns_ino, &ns, sizeof(ns)) == 0;
	}
	if (c->mode == MODE_CGROUP)
		return bpf_get_current_cgroup_id() == c->cgroup_id;
	return 0;
}

// count_loss counts an event of kind that process tgid lost.
static __always_inline void count_loss(__u32 kind, __u32 tgid)
{
	__u32 k = 0;
	__u64 *l = bpf_map_lookup_elem(&lost, &k);
	if (l)
		*l += 1;
	k = kind < LOST_KINDS ? kind : 0;
	l = bpf_map_lookup_elem(&lost, &k);
	if (l && k)
		*l += 1;
	l = bpf_map_lookup_elem(&drops, &tgid);
	if (l) {
		__sync_fetch_and_add(l, 1);
	} else {
		__u64 one = 1;
		bpf_map_update_elem(&drops, &tgid, &one, BPF_NOEXIST);
	}
}

static __always_inline struct event *reserve(__u32 kind, __u32 tgid)
{
	struct event *e = bpf_ringbuf_reserve(&events, sizeof(struct event), 0);
	if (!e)
		count_loss(kind, tgid);
	return e;
}

static __always_inline int skipped(__u32 tgid)
{
	return bpf_map_lookup_elem(&skip, &tgid) != 0;
}

static __always_inline void submit(struct event *e)
{
	__u32 k = 0;
	struct config *c = bpf_map_lookup_elem(&cfg, &k);
	__u64 flags = BPF_RB_NO_WAKEUP;
	if (c && bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= c->wakeup)
		flags = BPF_RB_FORCE_WAKEUP;
	bpf_ringbuf_submit(e, flags);
}

// fdinfo fills f with what descriptor fd of the current process is.
static __always_inline void read_fd(struct fdinfo *f, long fd)
{
	__builtin_memset(f, 0, sizeof(*f));
	if (fd < 0)
		return;
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	if (!fdt || fd >= BPF_CORE_READ(fdt, max_fds))
		return;
	struct file **fds = BPF_CORE_READ(fdt, fd);
	struct file *file = 0;
	if (bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]) < 0 || !file)
		return;
	struct inode *inode = BPF_CORE_READ(file, f_inode);
	unsigned short mode = BPF_CORE_READ(inode, i_mode);
	f->ino = BPF_CORE_READ(inode, i_ino);
	f->dev = BPF_CORE_READ(inode, i_sb, s_dev);
	if ((mode & S_IFMT) != S_IFSOCK) {
		f->kind = FD_OTHER;
		return;
	}
	f->kind = FD_SOCKET;
	struct socket *sock = (struct socket *)BPF_CORE_READ(file, private_data);
	f->type = BPF_CORE_READ(sock, type);
	struct sock *sk = BPF_CORE_READ(sock, sk);
	if (!sk)
		return;
	f->family = BPF_CORE_READ(sk, __sk_common.skc_family);
	f->lport = BPF_CORE_READ(sk, __sk_common.skc_num);
	f->rport = __builtin_bswap16(BPF_CORE_READ(sk, __sk_common.skc_dport));
	if (f->family == 2) { // AF_INET
		__u32 a = BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr);
		__builtin_memcpy(f->laddr, &a, 4);
		a = BPF_CORE_READ(sk, __sk_common.skc_daddr);
		__builtin_memcpy(f->raddr, &a, 4);
	} else if (f->family == 10) { // AF_INET6
		BPF_CORE_READ_INTO(&f->laddr, sk, __sk_common.skc_v6_rcv_saddr.in6_u.u6_addr8);
		BPF_CORE_READ_INTO(&f->raddr, sk, __sk_common.skc_v6_daddr.in6_u.u6_addr8);
	}
}

// path_regs says which registers of call nr hold its paths (1 di, 2 si,
// 3 dx, 4 r10; 0 none): the first in the low byte, the second above.
static __always_inline int path_regs(long nr)
{
	switch (nr) {
	case 59:  // execve
	case 80:  // chdir
	case 87:  // unlink
	case 90:  // chmod
	case 76:  // truncate
	case 176: // delete_module (a name)
	case 4:   // stat
	case 6:   // lstat
	case 21:  // access
		return 1;
	case 257: // openat
	case 263: // unlinkat
	case 268: // fchmodat
	case 262: // newfstatat
	case 269: // faccessat
	case 439: // faccessat2
	case 332: // statx
		return 2;
	case 82:  // rename
	case 86:  // link
	case 88:  // symlink
		return 1 | 2 << 8;
	case 264: // renameat
	case 316: // renameat2
	case 265: // linkat
		return 2 | 4 << 8;
	case 266: // symlinkat
		return 1 | 3 << 8;
	}
	return 0;
}

static __always_inline const char *reg(struct pt_regs *regs, int r)
{
	switch (r) {
	case 1:
		return (const char *)BPF_CORE_READ(regs, di);
	case 2:
		return (const char *)BPF_CORE_READ(regs, si);
	case 3:
		return (const char *)BPF_CORE_READ(regs, dx);
	case 4:
		return (const char *)BPF_CORE_READ(regs, r10);
	}
	return 0;
}

// fill reads the arguments of a described call from its registers: at
// entry, or at exit in stream mode (a failed call leaves them as they were).
static __always_inline void fill(struct event *e, struct pt_regs *regs, long nr)
{
	e->flags = 0;
	e->len = 0;
	e->data[0] = 0;
	e->data2[0] = 0;
	e->arg[0] = BPF_CORE_READ(regs, di);
	e->arg[1] = BPF_CORE_READ(regs, si);
	e->arg[2] = BPF_CORE_READ(regs, dx);
	int pr = path_regs(nr);
	if (pr) {
		bpf_probe_read_user_str(e->data, PATH_LEN, reg(regs, pr & 0xff));
		if (pr >> 8)
			bpf_probe_read_user_str(e->data2, PATH_LEN, reg(regs, pr >> 8));
	}
	// connect, listen, dup2, dup3, fchmod, finit_module: a descriptor
	// first; the *at calls: the folder a relative path starts from (user
	// space names it once per folder, not once per call).
	if (nr == 42 || nr == 50 || nr == 33 || nr == 292 || nr == 91 || nr == 313 ||
	    ((pr & 0xff) == 2 && (int)e->arg[0] != AT_FDCWD && e->data[0] != '/'))
		read_fd(&e->fd, (int)e->arg[0]);
	else
		__builtin_memset(&e->fd, 0, sizeof(e->fd));
	if (nr == 157 && e->arg[0] == 15) {
		// prctl(PR_SET_NAME, name): at most 16 bytes
		bpf_probe_read_user_str(e->data, 16, (const char *)e->arg[1]);
	} else if (nr == 257) { // openat(dirfd, path, flags)
		e->flags = e->arg[2];
	} else if (nr == 50) { // listen(fd, backlog)
		e->flags = e->arg[0];
	} else if (nr == 42) { // connect(fd, addr, len)
		e->flags = e->arg[0];
		const void *addr = (const void *)e->arg[1];
		__u32 len = e->arg[2];
		if (len > ADDR_LEN)
			len = ADDR_LEN;
		e->len = len;
		if (bpf_probe_read_user(e->data, len & (ADDR_LEN - 1) ? len & (ADDR_LEN - 1) : 0, addr) < 0)
			e->len = 0;
	}
}

static __always_inline void sys_event(long nr, __u32 tgid, __u32 known, __s64 ret, __s64 arg0);

// call_event sends a described call with its arguments; known tells that
// it has returned, with ret (stream mode).
// interesting tells whether a read-only open of path is wanted: 2 under
// a prefix of the interest map (a path a rule names), 1 relative or with
// a "/." component (".." or a hidden file), which user space resolves,
// or unreadable; 0 not.
static __always_inline int interesting(const char *path)
{
	__u32 k = 0;
	struct path_key *key = bpf_map_lookup_elem(&scratch, &k);
	if (!key)
		return 1;
	long n = bpf_probe_read_user_str(key->data, KEY_LEN, path);
	if (n <= 0)
		return 1; // unreadable: user space says so
	if (key->data[0] != '/')
		return 1;
	key->prefixlen = KEY_LEN * 8;
	if (bpf_map_lookup_elem(&interest, key))
		return 2;
	for (int i = 0; i < KEY_LEN - 1; i++) {
		if (i >= n - 1)
			break;
		if (key->data[i] == '/' && key->data[i + 1] == '.')
			return 1;
	}
	if (n >= KEY_LEN)
		return 1; // longer than a key: a "/." past it cannot be seen
	return 0;
}

#define O_ACCMODE 3
#define O_CREAT 0100
#define O_TRUNC 01000
#define O_APPEND 02000

// filter tells (1) whether call nr of the current process is kept in the
// kernel: a read-only open no rule could use. rare is set for the calls
// a rate limit must never hold back.
static __always_inline int filter(struct config *c, struct pt_regs *regs, long nr, int *rare)
{
	const char *path;
	long flags;
	switch (nr) {
	case 2: // open(path, flags)
		path = (const char *)BPF_CORE_READ(regs, di);
		flags = BPF_CORE_READ(regs, si);
		break;
	case 257: // openat(dirfd, path, flags)
		path = (const char *)BPF_CORE_READ(regs, si);
		flags = BPF_CORE_READ(regs, dx);
		break;
	case 42: // connect
	case 50: // listen
	case 59: case 322: // execve, execveat
	case 101: // ptrace
	case 105: case 106: case 113: case 114: case 117: case 119: case 122: case 123: case 126: // set*id, capset
	case 175: case 176: case 313: case 246: case 320: // modules, kexec
		*rare = 1;
		return 0;
	default:
		return 0;
	}
	if (!c->filter)
		return 0;
	if ((flags & (O_ACCMODE | O_CREAT | O_TRUNC | O_APPEND)) != 0)
		return 0;
	int i = interesting(path);
	if (i) {
		*rare = i == 2;
		return 0;
	}
	__u32 k = 0;
	__u64 *f = bpf_map_lookup_elem(&filtered, &k);
	if (f)
		*f += 1;
	return 1;
}

// fold tells whether call nr of process tgid repeats one sent less than
// FOLD_NS ago (and counts it).
static __always_inline int fold(struct pt_regs *regs, long nr, __u32 tgid)
{
	if (nr != 101 && nr != 310 && nr != 311)
		return 0;
	struct fold_key fk = {.tgid = tgid, .nr = nr};
	fk.a0 = BPF_CORE_READ(regs, di);
	fk.a1 = BPF_CORE_READ(regs, si);
	__u64 now = bpf_ktime_get_ns();
	__u64 *last = bpf_map_lookup_elem(&recent, &fk);
	if (last && now - *last < FOLD_NS) {
		__u32 k = 0;
		__u64 *f = bpf_map_lookup_elem(&folded, &k);
		if (f)
			*f += 1;
		return 1;
	}
	bpf_map_update_elem(&recent, &fk, &now, BPF_ANY);
	return 0;
}

// limited tells whether process tgid has spent its rate limit; a spent
// one's event is counted as lost.
static __always_inline int limited(struct config *c, __u32 tgid)
{
	if (!c->rate)
		return 0;
	struct proc_counts *p = bpf_map_lookup_elem(&procs, &tgid);
	if (!p)
		return 0;
	__u64 now = bpf_ktime_get_ns();
	if (p->refill == 0) {
		p->refill = now;
		p->tokens = c->burst;
	}
	__u64 add = (now - p->refill) / 1000 * c->rate / 1000000;
	if (add > 0) {
		__u64 t = p->tokens + add;
		p->tokens = t > c->burst ? c->burst : t;
		p->refill = now;
	}
	if (p->tokens == 0) {
		count_loss(EV_CALL, tgid);
		return 1;
	}
	p->tokens--;
	return 0;
}

static __always_inline void call_event(struct pt_regs *regs, long nr, __u32 tgid, __u32 known, __s64 ret)
{
	__u32 k = 0;
	struct config *c = bpf_map_lookup_elem(&cfg, &k);
	if (!c)
		return;
	int rare = 0;
	if (filter(c, regs, nr, &rare))
		return;
	if (c->fold && !known && fold(regs, nr, tgid))
		return;
	if (!rare && limited(c, tgid))
		return;
	struct event *e = reserve(EV_CALL, tgid);
	if (!e)
		return;
	e->kind = EV_CALL;
	e->ts = bpf_ktime_get_ns();
	e->pid = tgid;
	e->child = 0;
	e->code = nr;
	e->ret = ret;
	fill(e, regs, nr);
	// newfstatat and statx with an empty path (AT_EMPTY_PATH) are fstat
	// of a descriptor the process already holds, a file whose open was
	// told: no path to judge, and one every read of a file makes. They
	// go, in stream mode, as a call without its arguments.
	if ((nr == 262 || nr == 332) && e->data[0] == 0) {
		__s64 fd = e->arg[0];
		bpf_ringbuf_discard(e, BPF_RB_NO_WAKEUP);
		if (known)
			sys_event(nr, tgid, 1, ret, fd);
		return;
	}
	submit(e);
}

static __always_inline void sys_event(long nr, __u32 tgid, __u32 known, __s64 ret, __s64 arg0)
{
	struct sys_event *e = bpf_ringbuf_reserve(&events, sizeof(struct sys_event), 0);
	if (!e) {
		count_loss(EV_SYS, tgid);
		return;
	}
	e->kind = EV_SYS;
	e->ts = bpf_ktime_get_ns();
	e->pid = tgid;
	e->nr = nr;
	e->known = known;
	e->ret = ret;
	e->arg0 = arg0;
	submit((struct event *)e);
}

SEC("raw_tracepoint/sched_process_fork")
int process_fork(struct bpf_raw_tracepoint_args *ctx)
{
	if (!wanted())
		return 0;
	struct task_struct *parent = (struct task_struct *)ctx->args[0];
	struct task_struct *child = (struct task_struct *)ctx->args[1];
	int ptgid = BPF_CORE_READ(parent, tgid);
	int ctgid = BPF_CORE_READ(child, tgid);
	if (ptgid == ctgid)
		return 0; // a new thread, not a process
	__u32 pk = ptgid;
	__u8 *sk = bpf_map_lookup_elem(&skip, &pk);
	if (sk) {
		// detector's own: the child is too (until its exec says
		// otherwise).
		__u32 ck = ctgid;
		__u8 v = *sk;
		bpf_map_update_elem(&skip, &ck, &v, BPF_ANY);
		return 0;
	}
	struct event *e = reserve(EV_FORK, ptgid);
	if (!e)
		return 0;
	e->kind = EV_FORK;
	e->ts = bpf_ktime_get_ns();
	e->pid = ptgid;
	e->child = ctgid;
	e->code = 0;
	e->ret = 0;
	e->arg[0] = e->arg[1] = e->arg[2] = 0;
	__builtin_memset(&e->fd, 0, sizeof(e->fd));
	e->len = 0;
	e->flags = 0;
	e->data[0] = 0;
	e->data2[0] = 0;
	submit(e);
	return 0;
}

// self_exec tells whether the program tgid now runs is detector's own
// (config.self_ino) and so left out, and keeps the skip map: a sandbox's
// init (detector's binary under the marker name) and all below it are
// left out for good; detector's binary otherwise until its process execs
// another program.
static __always_inline int self_exec(struct config *c, struct linux_binprm *bprm, struct task_struct *task, __u32 tgid)
{
	struct inode *inode = BPF_CORE_READ(bprm, file, f_inode);
	__u64 ino = BPF_CORE_READ(inode, i_ino);
	__u64 dev = BPF_CORE_READ(inode, i_sb, s_dev);
	__u8 *sk = bpf_map_lookup_elem(&skip, &tgid);
	if (ino != c->self_ino || dev != c->self_dev) {
		if (sk && *sk == SKIP_SANDBOX)
			return 1;
		if (sk) {
			// A child of detector that runs another program: judged
			// from its exec on, its counts restarting with it.
			bpf_map_delete_elem(&skip, &tgid);
			bpf_map_delete_elem(&procs, &tgid);
		}
		return 0;
	}
	__u8 v = SKIP_SELF;
	char argv0[32] = {};
	unsigned long start = BPF_CORE_READ(task, mm, arg_start);
	bpf_probe_read_user_str(argv0, sizeof(argv0), (const void *)start);
	int same = 1;
	for (int i = 0; i < 32; i++) {
		if (argv0[i] != c->marker[i]) {
			same = 0;
			break;
		}
		if (argv0[i] == 0)
			break;
	}
	if (same || (sk && *sk == SKIP_SANDBOX))
		v = SKIP_SANDBOX;
	bpf_map_update_elem(&skip, &tgid, &v, BPF_ANY);
	bpf_map_delete_elem(&procs, &tgid);
	return 1;
}

SEC("raw_tracepoint/sched_process_exec")
int process_exec(struct bpf_raw_tracepoint_args *ctx)
{
	if (!wanted())
		return 0;
	struct linux_binprm *bprm = (struct linux_binprm *)ctx->args[2];
	// A new program: its counts restart with the execve that made it, as
	// strace -f counts a program it started (see config.origin).
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	__u32 k = 0;
	struct config *c = bpf_map_lookup_elem(&cfg, &k);
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	if (c && c->self_ino && self_exec(c, bprm, task, tgid))
		return 0;
	struct proc_counts *old = bpf_map_lookup_elem(&procs, &tgid);
	struct replaced_key rk = {.tgid = tgid, .execs = old ? old->execs : 0};
	int restart = 1;
	if (c && c->origin) {
		// Only the origin's child, and only at its first exec: a
		// program that execs another goes on being counted.
		restart = BPF_CORE_READ(task, real_parent, tgid) == c->origin && rk.execs == 0;
	} else if (old) {
		bpf_map_update_elem(&replaced, &rk, old, BPF_ANY);
	}
	struct proc_counts *z = restart ? bpf_map_lookup_elem(&zero, &k) : 0;
	if (z) {
		z->last = 59;
		z->counts[59] = 1;
		z->execs = rk.execs + 1;
		bpf_map_update_elem(&procs, &tgid, z, BPF_ANY);
		z->counts[59] = 0;
		z->last = -1;
		z->execs = 0;
	}
	struct exec_event *e = bpf_ringbuf_reserve(&events, sizeof(struct exec_event), 0);
	if (!e) {
		count_loss(EV_EXEC, tgid);
		return 0;
	}
	e->kind = EV_EXEC;
	e->ts = bpf_ktime_get_ns();
	e->pid = tgid;
	// numbers[0] is the pid in the host's namespace.
	struct pid *sp = BPF_CORE_READ(task, signal, pids[3]);
	e->sid = sp ? BPF_CORE_READ(sp, numbers[0].nr) : 0;
	e->execs = rk.execs;
	const char *fn = BPF_CORE_READ(bprm, filename);
	bpf_probe_read_kernel_str(e->path, PATH_LEN, fn);
	// The new program's argv, in its own memory by now.
	unsigned long start = BPF_CORE_READ(task, mm, arg_start);
	unsigned long end = BPF_CORE_READ(task, mm, arg_end);
	__u64 n = end > start ? end - start : 0;
	e->argv_cut = n > ARGV_LEN - 1;
	if (n > ARGV_LEN - 1)
		n = ARGV_LEN - 1;
	e->argv_len = 0;
	if (n > 0 && bpf_probe_read_user(e->argv, n & (ARGV_LEN - 1), (const void *)start) == 0)
		e->argv_len = n;
	submit((struct event *)e);
	return 0;
}

static __always_inline int described(long nr)
{
	__u32 n = nr;
	__u8 *d = bpf_map_lookup_elem(&calls, &n);
	return d && *d;
}

SEC("raw_tracepoint/sys_enter")
int sys_enter(struct bpf_raw_tracepoint_args *ctx)
{
	long nr = (long)ctx->args[1];
	if (nr < 0 || nr >= MAX_NR)
		return 0;
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	__u32 k = 0;
	// A process with counts passed the filter when they were made (a
	// process never leaves its pid namespace), so the filter is asked
	// only of processes without.
	struct proc_counts *p = bpf_map_lookup_elem(&procs, &tgid);
	if (!p && (!wanted() || skipped(tgid)))
		return 0;
	struct config *c = bpf_map_lookup_elem(&cfg, &k);
	struct pt_regs *regs = (struct pt_regs *)ctx->args[0];
	if (c && c->stream) {
		// exit and exit_group never return, and rt_sigreturn returns
		// with the registers of before the signal (its number lost):
		// their events are sent now.
		if (nr == 60 || nr == 231 || nr == 15)
			sys_event(nr, tgid, 0, 0, BPF_CORE_READ(regs, di));
	} else if (described(nr)) {
		call_event(regs, nr, tgid, 0, 0);
	}
	if (!p) {
		struct proc_counts *z = bpf_map_lookup_elem(&zero, &k);
		if (!z)
			return 0;
		z->last = -1;
		if (bpf_map_update_elem(&procs, &tgid, z, BPF_NOEXIST) && bpf_map_lookup_elem(&procs, &tgid) == 0) {
			__u64 *f = bpf_map_lookup_elem(&full, &k);
			if (f)
				*f += 1;
			return 0;
		}
		p = bpf_map_lookup_elem(&procs, &tgid);
		if (!p)
			return 0;
	}
	__sync_fetch_and_add(&p->counts[nr & (MAX_NR - 1)], 1);
	__s64 last = p->last;
	if (last >= 0 && last != nr)
		__sync_fetch_and_add(&p->transitions, 1);
	p->last = nr;
	return 0;
}

// sys_exit sends, in stream mode, every call as it returns: the described
// ones with their arguments, the others with their number and result.
// The calls that make processes are told by their fork events (and the
// child's own return from them is no call); a successful execve by its
// exec event.
SEC("raw_tracepoint/sys_exit")
int sys_exit(struct bpf_raw_tracepoint_args *ctx)
{
	__u32 k = 0;
	struct config *c = bpf_map_lookup_elem(&cfg, &k);
	if (!c || !c->stream)
		return 0;
	struct pt_regs *regs = (struct pt_regs *)ctx->args[0];
	__s64 ret = (__s64)ctx->args[1];
	long nr = BPF_CORE_READ(regs, orig_ax);
	if (nr < 0 || nr >= MAX_NR)
		return 0;
	if ((nr == 59 && ret == 0) || nr == 15)
		return 0;
	if ((nr == 56 || nr == 57 || nr == 58 || nr == 435) && ret == 0)
		return 0;
	if (!wanted())
		return 0;
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	if (skipped(tgid))
		return 0;
	if (described(nr))
		call_event(regs, nr, tgid, 1, ret);
	else
		sys_event(nr, tgid, 1, ret, BPF_CORE_READ(regs, di));
	return 0;
}

SEC("raw_tracepoint/sched_process_exit")
int process_exit(struct bpf_raw_tracepoint_args *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid = id >> 32;
	if ((__u32)id != tgid)
		return 0; // a thread; the process's entry goes with its leader
	if (bpf_map_delete_elem(&skip, &tgid) == 0)
		return 0; // detector's own, left out
	struct proc_counts *p = bpf_map_lookup_elem(&procs, &tgid);
	if (p && wanted())
		bpf_map_update_elem(&exited, &tgid, p, BPF_ANY);
	bpf_map_delete_elem(&procs, &tgid);
	if (!wanted())
		return 0;
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct event *e = reserve(EV_EXIT, tgid);
	if (!e)
		return 0;
	e->kind = EV_EXIT;
	e->ts = bpf_ktime_get_ns();
	e->pid = tgid;
	e->child = 0;
	e->code = BPF_CORE_READ(task, exit_code);
	e->ret = 0;
	e->arg[0] = e->arg[1] = e->arg[2] = 0;
	__builtin_memset(&e->fd, 0, sizeof(e->fd));
	e->len = 0;
	e->flags = 0;
	e->data[0] = 0;
	e->data2[0] = 0;
	submit(e);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
