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
	unsigned long start_stack;
	unsigned long arg_start;
	unsigned long arg_end;
	unsigned long env_start;
	unsigned long env_end;
	struct file *exe_file;
} __attribute__((preserve_access_index));

struct super_block {
	__u32 s_dev;
	unsigned long s_magic;
} __attribute__((preserve_access_index));

struct inode {
	unsigned short i_mode;
	unsigned long i_ino;
	struct super_block *i_sb;
} __attribute__((preserve_access_index));

struct qstr {
	const unsigned char *name;
} __attribute__((preserve_access_index));

struct dentry {
	struct dentry *d_parent;
	struct qstr d_name;
	struct inode *d_inode;
} __attribute__((preserve_access_index));

struct vfsmount {
	struct dentry *mnt_root;
} __attribute__((preserve_access_index));

// struct mount holds the struct vfsmount that paths point to.
struct mount {
	struct mount *mnt_parent;
	struct dentry *mnt_mountpoint;
	struct vfsmount mnt;
} __attribute__((preserve_access_index));

struct path {
	struct vfsmount *mnt;
	struct dentry *dentry;
} __attribute__((preserve_access_index));

struct fs_struct {
	struct path root;
} __attribute__((preserve_access_index));

struct file {
	struct path f_path;
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

// thread_info.status has TS_COMPAT while the thread is in a call made
// through the i386 entry point (x86).
struct thread_info {
	__u32 status;
} __attribute__((preserve_access_index));

struct seccomp {
	int mode;
} __attribute__((preserve_access_index));

struct task_struct {
	struct thread_info thread_info;
	struct seccomp seccomp;
	int pid;
	int tgid;
	int exit_code;
	struct mm_struct *mm;
	struct files_struct *files;
	struct task_struct *real_parent;
	struct signal_struct *signal;
	struct fs_struct *fs;
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
	struct file *file;
	int argc;
	int envc;
	const char *filename;
} __attribute__((preserve_access_index));

struct pt_regs {
	unsigned long di;
	unsigned long si;
	unsigned long dx;
	unsigned long r10;
	unsigned long r8;
	unsigned long r9;
	unsigned long bx;
	unsigned long cx;
	unsigned long orig_ax;
} __attribute__((preserve_access_index));

struct user_msghdr {
	void *msg_name;
	int msg_namelen;
} __attribute__((preserve_access_index));

struct filename {
	const char *name;
} __attribute__((preserve_access_index));

// struct io_open is an IORING_OP_OPENAT(2) request's command.
struct io_open {
	struct file *file;
	int dfd;
	__u32 file_slot;
	struct filename *filename;
} __attribute__((preserve_access_index));

struct io_cqe {
	int fd;
} __attribute__((preserve_access_index));

struct io_uring_cqe {
	__s32 res;
} __attribute__((preserve_access_index));

struct io_kiocb {
	__u8 opcode;
	__u64 flags;
	struct io_cqe cqe;
} __attribute__((preserve_access_index));

#define PATH_LEN 256
#define ADDR_LEN 128
#define ARGV_LEN 1024
#define ENV_LEN 512     // bytes of an exec's variables of interest
#define ENV_VAR_LEN 256 // bytes of one of them at most
#define ENV_SHOWN 30    // variables sent at most
#define ENV_SCAN 2048   // variables looked at at most
#define ENV_KEY_LEN 32  // bytes of a variable's name compared
#define S_IFMT 0170000
#define S_IFSOCK 0140000
#define S_IFIFO 0010000
#define PIPEFS_MAGIC 0x50495045
#define TS_COMPAT 0x0002
#define ENOSYS 38
#define EPERM 1

enum { EV_FORK = 1, EV_EXEC = 2, EV_EXIT = 3, EV_CALL = 4, EV_SYS = 5, EV_URING = 6 };

enum { FD_UNKNOWN = 0, FD_SOCKET = 1, FD_OTHER = 2, FD_PIPE = 3 };

// event.info bits: where a call came from, and what data2 and fdpath hold.
enum {
	INFO_COMPAT = 1,  // the call came through the i386 entry point
	INFO_FDPATH = 2,  // fdpath is the path of the descriptor in fd
	INFO_RETPATH = 4, // data2 is the path of the descriptor the call returned
	INFO_CUT = 8,     // a path was longer than its buffer (then not sent)
	INFO_TOP = 16,    // the walk ended at a root not the process's (an
	                  // internal file system, or outside its root)
	INFO_FDCUT = 32,  // INFO_CUT of fdpath
	INFO_FDTOP = 64,  // INFO_TOP of fdpath
};

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
	__u32 child;    // unused (forks and exits are struct proc_event)
	__s32 code;     // EV_CALL: call number; EV_URING: the opcode
	__u32 len;      // EV_CALL connect: sockaddr length
	__u32 flags;    // EV_CALL openat: the open flags; connect, listen: the descriptor
	__u32 info;     // INFO_*
	__u32 plen;     // bytes of the path in data2 (INFO_RETPATH)
	__u32 fdlen;    // bytes of fdpath (INFO_FDPATH)
	__u32 pad2;
	__s64 ret;      // EV_CALL in stream mode: the return value
	__s64 arg[3];   // EV_CALL: the first three arguments, as numbers
	struct fdinfo fd; // EV_CALL: what the first argument's descriptor is
	char data[PATH_LEN]; // EV_CALL path or sockaddr bytes
	// EV_CALL the second path (rename, link, symlink); or the new
	// descriptor's path (INFO_RETPATH): its names from the last to the
	// first, each ended by a NUL, as the kernel resolved it.
	char data2[PATH_LEN];
	char fdpath[PATH_LEN]; // the path of the descriptor in fd, as data2 (INFO_FDPATH)
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
	__u32 exe_info; // INFO_CUT, INFO_TOP of exe
	__u32 exe_len;  // bytes of exe
	char path[PATH_LEN];
	char argv[ARGV_LEN];
	char exe[PATH_LEN]; // the file executed, as data2 of struct event
	__u32 envc;     // the new program's environment variables, all of them
	__u32 env_n;    // of them, those sent in env: the names envnames holds
	__u32 env_len;  // bytes of env: the variables sent, each ended by a NUL
	__u32 env_cut;  // ENV_CUT_*, and bit i: variable i of env was cut
	char env[ENV_LEN];
};

// exec_event.env_cut's high bits: variables of interest left out for want
// of room, and variables past ENV_SCAN (or unreadable) not looked at.
#define ENV_CUT_ROOM (1U << 31)
#define ENV_CUT_SCAN (1U << 30)

// struct sys_event is a call without its arguments (stream mode), mirrored
// by rawSys in tracer.go.
struct sys_event {
	__u32 kind;     // EV_SYS
	__u32 pid;
	__u64 ts;
	__s32 nr;
	__u32 known;    // 1 when ret is the return value (not for exit, exit_group, rt_sigreturn); 2: an i386 call
	__s64 ret;
	__s64 arg0;     // the first argument (exit and exit_group: the status)
};

// struct proc_event is a process's start (EV_FORK) or end (EV_EXIT),
// mirrored by rawProc in tracer.go: what every process sends, kept short
// so that the ring holds many of them.
struct proc_event {
	__u32 kind;
	__u32 pid;
	__u64 ts;
	__u32 child; // EV_FORK: tgid of the child
	__s32 code;  // EV_EXIT: exit code (wait status)
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

// hidden_names holds the hidden names (path components starting with a
// dot, such as ".ssh") whose read-only opens are sent wherever they are
// (config.hidden): a whole name is stored with a '/' after it, the
// start of a name (a rule's glob goes on with a wildcard) without.
#define NAME_LEN 32
struct name_key {
	__u32 prefixlen; // in bits
	__u8 data[NAME_LEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 256);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct name_key);
	__type(value, __u8);
} hidden_names SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct name_key);
} namescratch SEC(".maps");

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

// calls marks the call numbers whose arguments are sent as events (CALL_*
// bits); an array, whose lookups the verifier inlines.
enum {
	CALL_ENTRY = 1,  // x86_64 call nr, sent at its entry (at its exit in stream mode)
	CALL_EXIT = 2,   // x86_64 call nr, sent at its exit, with its result
	CALL_COMPAT = 4, // i386 call nr, sent at its exit
};

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
	// hidden: a path's hidden component (a name starting with a dot)
	// makes its read-only open sent only when the name is in the map
	// hidden_names; unset, every hidden name does.
	__u32 hidden;
};

// The total is the counts' sum, left to user space: one atomic add less
// per call.
struct proc_counts {
	__u64 transitions;
	__s64 last; // last call number, -1 before the first call
	__u32 counts[2 * MAX_NR]; // x86_64 calls, then i386 ones (MAX_NR + nr)
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

// pathbuf is where a path is put together (twice a path, for the verifier).
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, char[2 * PATH_LEN]);
} pathbuf SEC(".maps");

// envnames holds the names of the environment variables an exec event
// carries (Config.Env), each padded with NULs to ENV_KEY_LEN; the value
// is unused.
struct env_key {
	char name[ENV_KEY_LEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, struct env_key);
	__type(value, __u8);
} envnames SEC(".maps");

// envon (1) says envnames holds names: the environment is looked at.
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u8);
} envon SEC(".maps");

// envbuf is where an exec's variables of interest are put together
// (twice ENV_LEN, for the verifier).
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, char[2 * ENV_LEN]);
} envbuf SEC(".maps");

// uring (1) sends io_uring operations as EV_URING events.
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u8);
} uring SEC(".maps");

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

// reserve_size reserves size bytes of the ring for an event of kind of
// process tgid; 0 when the ring is full (the loss is counted).
static __always_inline void *reserve_size(__u64 size, __u32 kind, __u32 tgid)
{
	void *e = bpf_ringbuf_reserve(&events, size, 0);
	if (!e)
		count_loss(kind, tgid);
	return e;
}

static __always_inline struct event *reserve(__u32 kind, __u32 tgid)
{
	return reserve_size(sizeof(struct event), kind, tgid);
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

// seccomp_filtered tells whether the current thread has a seccomp filter,
// which may have refused a call before its entry was seen.
static __always_inline int seccomp_filtered(void)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	return BPF_CORE_READ(task, seccomp.mode) == 2; // SECCOMP_MODE_FILTER
}

// in_compat tells whether the current thread is in a call made through
// the i386 entry point (int $0x80), whatever its program's ABI.
static __always_inline int in_compat(void)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	return BPF_CORE_READ(task, thread_info.status) & TS_COMPAT;
}

// task_compat is in_compat, read directly from the task in a tp_btf
// program (btf set), where the helper's copy is not needed.
static __always_inline int task_compat(int btf)
{
	if (btf) {
		struct task_struct *task = bpf_get_current_task_btf();
		return task->thread_info.status & TS_COMPAT;
	}
	return in_compat();
}

// fd_file returns the file behind descriptor fd of the current process.
static __always_inline struct file *fd_file(long fd)
{
	if (fd < 0)
		return 0;
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	if (!fdt || fd >= BPF_CORE_READ(fdt, max_fds))
		return 0;
	struct file **fds = BPF_CORE_READ(fdt, fd);
	struct file *file = 0;
	if (bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]) < 0)
		return 0;
	return file;
}

#define WALK_DEPTH 32

// walk_state is one walk's place, for walk_step.
struct walk_state {
	char *buf;
	struct dentry *rootd;
	struct vfsmount *rootm;
	struct dentry *d;
	struct vfsmount *vm;
	struct mount *m;
	__u32 off;
	__u32 res;
};

// walk_step goes one name up; it returns 1 to stop.
static long walk_step(__u32 i, struct walk_state *w)
{
	if (w->d == w->rootd && w->vm == w->rootm) {
		w->res = 0;
		return 1;
	}
	struct dentry *d = w->d;
	struct vfsmount *vm = w->vm;
	struct dentry *parent = BPF_CORE_READ(d, d_parent);
	if (d == BPF_CORE_READ(vm, mnt_root)) {
		struct mount *m = w->m;
		struct mount *mp = BPF_CORE_READ(m, mnt_parent);
		if (mp == m) {
			w->res = INFO_TOP;
			return 1;
		}
		w->d = BPF_CORE_READ(m, mnt_mountpoint);
		w->m = mp;
		w->vm = (struct vfsmount *)((char *)mp + bpf_core_field_offset(struct mount, mnt));
		return 0;
	}
	if (d == parent) {
		w->res = INFO_TOP;
		return 1;
	}
	const unsigned char *name = BPF_CORE_READ(d, d_name.name);
	__u32 off = w->off;
	if (off >= PATH_LEN)
		return 1;
	long n = bpf_probe_read_kernel_str(w->buf + (off & (PATH_LEN - 1)), PATH_LEN, name);
	if (n <= 0)
		return 1;
	w->off = off + n;
	w->d = parent;
	return w->off >= PATH_LEN;
}

// walk writes where file is, as the kernel resolved it, into out
// (PATH_LEN bytes): its names from the last to the first, each ended by
// a NUL, up to the process's root, crossing mount points (at most
// WALK_DEPTH steps). It returns the bytes written, with INFO_CUT or
// INFO_TOP above bit 16.
static __noinline __u32 walk(char *out, struct file *file)
{
	__u32 k = 0;
	char *buf = bpf_map_lookup_elem(&pathbuf, &k);
	if (!buf || !file)
		return INFO_CUT << 16;
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct walk_state w = {
		.buf = buf,
		.rootd = BPF_CORE_READ(task, fs, root.dentry),
		.rootm = BPF_CORE_READ(task, fs, root.mnt),
		.d = BPF_CORE_READ(file, f_path.dentry),
		.vm = BPF_CORE_READ(file, f_path.mnt),
		.res = INFO_CUT,
	};
	w.m = (struct mount *)((char *)w.vm - bpf_core_field_offset(struct mount, mnt));
	bpf_loop(WALK_DEPTH, walk_step, &w, 0);
	__u32 off = w.off;
	if (off >= PATH_LEN || w.res == INFO_CUT)
		return INFO_CUT << 16;
	bpf_probe_read_kernel(out, PATH_LEN, buf);
	return off | w.res << 16;
}

// ret_path puts into e->data2 where the kernel resolved the new
// descriptor fd of the current process (INFO_RETPATH), or says why not
// (INFO_CUT, INFO_TOP).
static __always_inline void ret_path(struct event *e, long fd)
{
	__u32 w = walk(e->data2, fd_file(fd));
	e->plen = w & 0xffff;
	e->info |= (w >> 16) | (w >> 16 & INFO_CUT ? 0 : INFO_RETPATH);
}

// read_fd fills f with what file is: a socket with its addresses, a
// pipe, or another file.
static __always_inline void read_fd(struct fdinfo *f, struct file *file)
{
	__builtin_memset(f, 0, sizeof(*f));
	if (!file)
		return;
	struct inode *inode = BPF_CORE_READ(file, f_inode);
	unsigned short mode = BPF_CORE_READ(inode, i_mode);
	f->ino = BPF_CORE_READ(inode, i_ino);
	f->dev = BPF_CORE_READ(inode, i_sb, s_dev);
	if ((mode & S_IFMT) == S_IFIFO && BPF_CORE_READ(inode, i_sb, s_magic) == PIPEFS_MAGIC) {
		f->kind = FD_PIPE;
		return;
	}
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

// describe_fd fills e->fd with what file is and, for a file that is not
// a socket nor a pipe, puts its path in fdpath.
static __always_inline void describe_fd(struct event *e, struct file *file)
{
	read_fd(&e->fd, file);
	if (e->fd.kind != FD_OTHER)
		return;
	__u32 w = walk(e->fdpath, file);
	e->fdlen = w & 0xffff;
	w >>= 16;
	e->info |= (w & INFO_CUT ? INFO_FDCUT : INFO_FDPATH) | (w & INFO_TOP ? INFO_FDTOP : 0);
}

// path_regs says which registers of call nr hold its paths (1 di, 2 si,
// 3 dx, 4 r10; 0 none): the first in the low byte, the second above.
static __always_inline int path_regs(long nr)
{
	switch (nr) {
	case 2:   // open
	case 85:  // creat
	case 83:  // mkdir
	case 84:  // rmdir
	case 133: // mknod
	case 92:  // chown
	case 94:  // lchown
	case 89:  // readlink
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
	case 437: // openat2
	case 322: // execveat
	case 258: // mkdirat
	case 259: // mknodat
	case 260: // fchownat
	case 452: // fchmodat2
	case 267: // readlinkat
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

// compat_path_regs is path_regs for i386 call nr (5 bx, 6 cx).
static __always_inline int compat_path_regs(long nr)
{
	switch (nr) {
	case 5:   // open
	case 8:   // creat
	case 10:  // unlink
	case 11:  // execve
	case 12:  // chdir
	case 15:  // chmod
	case 33:  // access
	case 39:  // mkdir
	case 40:  // rmdir
	case 85:  // readlink
	case 92:  // truncate
	case 193: // truncate64
	case 195: // stat64
	case 196: // lstat64
		return 5;
	case 295: // openat
	case 437: // openat2
	case 358: // execveat
	case 300: // fstatat64
	case 301: // unlinkat
		return 6;
	case 9:   // link
	case 38:  // rename
	case 83:  // symlink
		return 5 | 6 << 8;
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
	case 5:
		return (const char *)BPF_CORE_READ(regs, bx);
	case 6:
		return (const char *)BPF_CORE_READ(regs, cx);
	}
	return 0;
}

// opens tells whether call nr returns a new descriptor of a path.
static __always_inline int opens(long nr, int compat)
{
	if (compat)
		return nr == 5 || nr == 8 || nr == 295 || nr == 437;
	return nr == 2 || nr == 85 || nr == 257 || nr == 437;
}

// read_addr reads a socket address of len bytes at addr into e->data.
static __always_inline void read_addr(struct event *e, const void *addr, __u32 len)
{
	if (len > ADDR_LEN)
		len = ADDR_LEN;
	e->len = len;
	if (!addr || bpf_probe_read_user(e->data, len & (ADDR_LEN - 1) ? len & (ADDR_LEN - 1) : 0, addr) < 0)
		e->len = 0;
}

// read_capset reads capset's header and data (hdr, data: the caller's
// pointers) into e->data: the header's 8 bytes, then the data's 24
// (_LINUX_CAPABILITY_VERSION_2 and _3: both halves) or 12 (version 1, or
// one the kernel does not know, of which strace shows one half). e->len
// says how many were read: 0, not even the header; 8, the header alone.
static __always_inline void read_capset(struct event *e, const void *hdr, const void *data)
{
	e->len = 0;
	if (bpf_probe_read_user(e->data, 8, hdr) < 0)
		return;
	e->len = 8;
	__u32 version = *(__u32 *)e->data;
	if (version == 0x20071026 || version == 0x20080522) {
		if (data && bpf_probe_read_user(e->data + 8, 24, data) == 0)
			e->len = 8 + 24;
	} else if (data && bpf_probe_read_user(e->data + 8, 12, data) == 0) {
		e->len = 8 + 12;
	}
}

#define EXEC_ARGS 4

// read_argv reads the first EXEC_ARGS arguments of a failed exec's argv
// (the caller's pointer array) into e->data2, each ended by a NUL, at most
// PATH_LEN bytes: e->len says how many bytes (more than PATH_LEN: cut),
// e->flags how many arguments, with EXEC_MORE when there are more.
#define EXEC_MORE (1U << 31)
static __always_inline void read_argv(struct event *e, const char *const *argv)
{
	__u32 off = 0;
	__u32 n = 0;
	e->len = 0;
	e->flags = 0;
	if (!argv)
		return;
	for (int i = 0; i <= EXEC_ARGS; i++) {
		const char *p = 0;
		if (bpf_probe_read_user(&p, sizeof(p), &argv[i]) < 0 || !p)
			break;
		if (i == EXEC_ARGS || off >= PATH_LEN) {
			n |= EXEC_MORE;
			break;
		}
		// data2 is followed by fdpath, which a failed exec leaves unused:
		// a string past data2's end spills there and is cut.
		long r = bpf_probe_read_user_str(e->data2 + (off & (PATH_LEN - 1)), PATH_LEN, p);
		if (r <= 0)
			break;
		off += r;
		n++;
	}
	e->len = off;
	e->flags = n;
}

// fill reads the arguments of a described call from its registers: at
// entry, or at exit (a failed call leaves them as they were). An i386
// call (compat) has them in bx, cx, dx.
static __always_inline void fill(struct event *e, struct pt_regs *regs, long nr, int compat)
{
	e->flags = 0;
	e->len = 0;
	e->info = compat ? INFO_COMPAT : 0;
	e->plen = 0;
	e->fdlen = 0;
	e->data[0] = 0;
	e->data2[0] = 0;
	int pr;
	if (compat) {
		e->arg[0] = (__u32)BPF_CORE_READ(regs, bx);
		e->arg[1] = (__u32)BPF_CORE_READ(regs, cx);
		e->arg[2] = (__u32)BPF_CORE_READ(regs, dx);
		pr = compat_path_regs(nr);
	} else {
		e->arg[0] = BPF_CORE_READ(regs, di);
		e->arg[1] = BPF_CORE_READ(regs, si);
		e->arg[2] = BPF_CORE_READ(regs, dx);
		pr = path_regs(nr);
	}
	if (pr) {
		bpf_probe_read_user_str(e->data, PATH_LEN, reg(regs, pr & 0xff));
		if (pr >> 8)
			bpf_probe_read_user_str(e->data2, PATH_LEN, reg(regs, pr >> 8));
	}
	// connect, listen, dup2, dup3, fchmod, finit_module, ftruncate,
	// fchown, sendto, sendmsg: a descriptor first; the *at calls with a
	// relative path: the folder it starts from.
	int at = (pr & 0xff) == 2 || (pr & 0xff) == 6;
	int fdarg = !compat && (nr == 42 || nr == 50 || nr == 33 || nr == 292 || nr == 91 || nr == 313 ||
				nr == 77 || nr == 93 || nr == 44 || nr == 46);
	if (fdarg || (at && (int)e->arg[0] != AT_FDCWD && e->data[0] != '/')) {
		describe_fd(e, fd_file((int)e->arg[0]));
	} else {
		__builtin_memset(&e->fd, 0, sizeof(e->fd));
	}
	if (compat ? nr == 185 : nr == 126) { // capset(hdr, data)
		read_capset(e, (const void *)e->arg[0], (const void *)e->arg[1]);
		return;
	}
	if (compat) {
		if (nr == 5 || nr == 295)
			e->flags = nr == 5 ? e->arg[1] : e->arg[2];
		else if (nr == 8)
			e->flags = 01 | 0100 | 01000; // creat: O_WRONLY|O_CREAT|O_TRUNC
		return;
	}
	if ((nr == 59 || nr == 322) && !(e->info & INFO_FDPATH)) {
		// execve(path, argv, envp), execveat(dirfd, path, argv, ...),
		// sent when they fail: the first arguments, into data2.
		read_argv(e, (const char *const *)(nr == 59 ? e->arg[1] : e->arg[2]));
	} else if (nr == 435) { // clone3(args, size): args->flags first, in arg[2]
		__u64 fl = 0;
		bpf_probe_read_user(&fl, sizeof(fl), (const void *)e->arg[0]);
		e->arg[2] = fl;
	} else if (nr == 157 && e->arg[0] == 15) {
		// prctl(PR_SET_NAME, name): at most 16 bytes
		bpf_probe_read_user_str(e->data, 16, (const char *)e->arg[1]);
	} else if (nr == 257) { // openat(dirfd, path, flags)
		e->flags = e->arg[2];
	} else if (nr == 2) { // open(path, flags)
		e->flags = e->arg[1];
	} else if (nr == 85) { // creat(path, mode)
		e->flags = 01 | 0100 | 01000;
	} else if (nr == 437) { // openat2(dirfd, path, how): how->flags first
		__u64 fl = 0;
		bpf_probe_read_user(&fl, sizeof(fl), (const void *)e->arg[2]);
		e->flags = fl;
	} else if (nr == 50) { // listen(fd, backlog)
		e->flags = e->arg[0];
	} else if (nr == 42) { // connect(fd, addr, len)
		e->flags = e->arg[0];
		read_addr(e, (const void *)e->arg[1], e->arg[2]);
	} else if (nr == 44) { // sendto(fd, buf, len, flags, addr, addrlen)
		e->flags = e->arg[0];
		read_addr(e, (const void *)BPF_CORE_READ(regs, r8), BPF_CORE_READ(regs, r9));
	} else if (nr == 46) { // sendmsg(fd, msg, flags)
		e->flags = e->arg[0];
		struct user_msghdr m = {};
		if (bpf_probe_read_user(&m, sizeof(m), (const void *)e->arg[1]) == 0)
			read_addr(e, m.msg_name, m.msg_namelen);
	}
}

static __always_inline void sys_event(long nr, __u32 tgid, __u32 known, __s64 ret, __s64 arg0);

// call_event sends a described call with its arguments; known tells that
// it has returned, with ret (stream mode).
// interest_ino holds the files and folders whose read-only opens are
// sent whatever path named them (a symlink, a hard link, a linked
// folder): the inodes of the paths of interest that exist, filled by
// user space (Config.Interest).
struct ino_key {
	__u64 ino;
	__u32 dev; // the kernel's dev_t of the inode's file system
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct ino_key);
	__type(value, __u8);
} interest_ino SEC(".maps");

#define ANCESTORS 12

// hidden_wanted tells whether the hidden name in nk->data (as read: at
// most NAME_LEN bytes, ended by a '/' or a NUL, or cut) is of interest:
// "." and "..", which user space resolves, always; another when
// config.hidden is unset or the name is in hidden_names.
static __always_inline int hidden_wanted(struct config *c, struct name_key *nk)
{
	__u8 c1 = nk->data[1], c2 = nk->data[2];
	if (c1 == 0 || c1 == '/' || (c1 == '.' && (c2 == 0 || c2 == '/')))
		return 1;
	if (!c->hidden)
		return 1;
	// The name ends with a '/', as whole names are stored.
	for (int j = 1; j < NAME_LEN; j++) {
		if (nk->data[j] == '/')
			break;
		if (nk->data[j] == 0) {
			nk->data[j] = '/';
			break;
		}
	}
	nk->prefixlen = NAME_LEN * 8;
	return bpf_map_lookup_elem(&hidden_names, nk) != 0;
}

// dentry_links is what a walk up the dentries reads of one: its parent,
// its name and its inode.
struct dentry_links {
	struct dentry *parent;
	const unsigned char *name;
	struct inode *inode;
};

// dentry_links reads d's parent, name and inode: in one read of the 32
// bytes that hold them where they lie as every kernel since 3.x lays them
// out (d_parent, d_name's hash and length, its name, d_inode), else field
// by field. Each read is a helper call, the walk's main cost.
static __always_inline void dentry_links(struct dentry *d, struct dentry_links *l)
{
	__u32 p = bpf_core_field_offset(struct dentry, d_parent);
	__u32 n = bpf_core_field_offset(struct dentry, d_name.name);
	__u32 i = bpf_core_field_offset(struct dentry, d_inode);
	if (n == p + 16 && i == p + 24) {
		__u64 blk[4] = {};
		bpf_probe_read_kernel(blk, sizeof(blk), (char *)d + p);
		l->parent = (struct dentry *)blk[0];
		l->name = (const unsigned char *)blk[2];
		l->inode = (struct inode *)blk[3];
		return;
	}
	l->parent = BPF_CORE_READ(d, d_parent);
	l->name = BPF_CORE_READ(d, d_name.name);
	l->inode = BPF_CORE_READ(d, d_inode);
}

// opened_interesting tells whether the file behind descriptor fd, as the
// kernel resolved it, is of interest: its inode or a folder's above it
// (up to ANCESTORS, within its mount) is in interest_ino, or a name on the
// way up is a hidden name of interest (hidden_wanted).
static __always_inline int opened_interesting(struct config *c, long fd)
{
	struct file *file = fd_file(fd);
	__u32 z = 0;
	struct name_key *nk = bpf_map_lookup_elem(&namescratch, &z);
	if (!file || !nk)
		return 1; // cannot tell: user space judges
	struct dentry *d = BPF_CORE_READ(file, f_path.dentry);
	struct ino_key k = {.dev = BPF_CORE_READ(file, f_inode, i_sb, s_dev)};
	for (int i = 0; i < ANCESTORS; i++) {
		if (!d)
			break;
		struct dentry_links l;
		dentry_links(d, &l);
		// Through a variable: a member of l inside BPF_CORE_READ would
		// be relocated too (struct dentry_links is no kernel type).
		struct inode *inode = l.inode;
		k.ino = BPF_CORE_READ(inode, i_ino);
		if (bpf_map_lookup_elem(&interest_ino, &k))
			return 1;
		char c0 = 0;
		bpf_probe_read_kernel(&c0, 1, l.name);
		if (c0 == '.') {
			if (bpf_probe_read_kernel_str(nk->data, NAME_LEN, l.name) <= 0 || hidden_wanted(c, nk))
				return 1;
		}
		if (l.parent == d)
			break;
		d = l.parent;
	}
	return 0;
}

// scan_state is one scan of a path for hidden names, for scan_step.
struct scan_state {
	struct config *c;
	char *buf;
	struct name_key *nk;
	__u32 n; // bytes of the path in buf, with its NUL
	__u32 res;
};

// scan_step looks at byte i of the path: a '/' before a '.' starts a
// hidden name (or "." or ".."); it returns 1 to stop, with res set when
// the name is of interest.
static long scan_step(__u32 i, struct scan_state *s)
{
	if (i + 1 >= s->n)
		return 1;
	char *b = s->buf;
	if (b[i & (PATH_LEN - 1)] != '/' || b[(i + 1) & (PATH_LEN - 1)] != '.')
		return 0;
	// pathbuf is twice PATH_LEN: the name's bytes stay within it.
	bpf_probe_read_kernel(s->nk->data, NAME_LEN, b + ((i + 1) & (PATH_LEN - 1)));
	if (hidden_wanted(s->c, s->nk)) {
		s->res = 1;
		return 1;
	}
	return 0;
}

// slash_dot tells whether the n bytes of buf (a path and its NUL, in
// pathbuf) may hold a "/." (a hidden name, or "." or ".."), looking at
// eight bytes at once: most paths hold none, and need no scan byte by
// byte. It may say yes for bytes past the NUL (the scan then says no),
// never no for a "/." before it.
static __always_inline int slash_dot(const char *buf, long n)
{
	for (int i = 0; i < PATH_LEN / 8; i++) {
		if (i * 8 >= n)
			break;
		// pathbuf is twice PATH_LEN: the next word is within it.
		__u64 w = *(const __u64 *)(buf + i * 8);
		__u64 next = *(const __u64 *)(buf + i * 8 + 8);
		// Byte j of z is 0 when byte j of the word is '/' and the byte
		// after it '.'.
		__u64 z = (w ^ 0x2f2f2f2f2f2f2f2fULL) | (((w >> 8) | (next << 56)) ^ 0x2e2e2e2e2e2e2e2eULL);
		if ((z - 0x0101010101010101ULL) & ~z & 0x8080808080808080ULL)
			return 1;
	}
	return 0;
}

// interesting tells whether a read-only open of path is wanted: 2 under
// a prefix of the interest map or one of its exact paths (a path a rule
// names); 1 with a "." or ".." component or a hidden name of interest
// (hidden_wanted), longer than PATH_LEN, or unreadable, which user space
// judges; 3 relative, to be judged by the file the kernel opened; 0 not.
// The whole path is read (at most PATH_LEN bytes), the interest map
// compares its first KEY_LEN.
static __always_inline int interesting(struct config *c, const char *path)
{
	__u32 k = 0;
	struct path_key *key = bpf_map_lookup_elem(&scratch, &k);
	char *buf = bpf_map_lookup_elem(&pathbuf, &k);
	struct name_key *nk = bpf_map_lookup_elem(&namescratch, &k);
	if (!key || !buf || !nk)
		return 1;
	long n = bpf_probe_read_user_str(buf, PATH_LEN, path);
	if (n <= 0)
		return 1; // unreadable: user space says so
	if (buf[0] != '/')
		return 3;
	__builtin_memcpy(key->data, buf, KEY_LEN);
	key->prefixlen = KEY_LEN * 8;
	if (bpf_map_lookup_elem(&interest, key))
		return 2;
	if (n >= PATH_LEN)
		return 1; // longer than the buffer: a "/." past it cannot be seen
	if (!slash_dot(buf, n))
		return 0;
	struct scan_state st = {.c = c, .buf = buf, .nk = nk, .n = n};
	bpf_loop(PATH_LEN, scan_step, &st, 0);
	return st.res;
}

#define O_ACCMODE 3
#define O_CREAT 0100
#define O_TRUNC 01000
#define O_APPEND 02000

// filter tells (1) whether call nr of the current process is kept in the
// kernel: a read-only open no rule could use. rare is set for the calls
// a rate limit must never hold back.
static __always_inline int filter(struct config *c, struct pt_regs *regs, long nr, long opened, int *rare)
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
	int i = interesting(c, path);
	if (i == 1 || i == 2) {
		*rare = i == 2;
		return 0;
	}
	// A relative path that the kernel did not open (it failed, or has
	// not returned yet): user space resolves it.
	if (i == 3 && opened < 0)
		return 0;
	// The path as given names nothing of interest, or is relative; the
	// file the kernel opened (opened: its descriptor, once the call
	// returned) may still be one.
	if (opened >= 0 && opened_interesting(c, opened)) {
		*rare = 1;
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

static __always_inline void call_event(struct pt_regs *regs, long nr, __u32 tgid, __u32 known, __s64 ret, int compat)
{
	__u32 k = 0;
	struct config *c = bpf_map_lookup_elem(&cfg, &k);
	if (!c)
		return;
	// An i386 call's numbers are not x86_64's: it is not filtered, and
	// it is rare enough never to be held back.
	int rare = compat;
	if (!compat && filter(c, regs, nr, known && ret >= 0 ? ret : -1, &rare))
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
	int opened = known && ret >= 0 && opens(nr, compat);
	fill(e, regs, nr, compat);
	// A new descriptor: where the kernel resolved the path to.
	if (opened)
		ret_path(e, ret);
	// newfstatat and statx with an empty path (AT_EMPTY_PATH) are fstat
	// of a descriptor the process already holds, a file whose open was
	// told: no path to judge, and one every read of a file makes. They
	// go, in stream mode, as a call without its arguments.
	if (!compat && (nr == 262 || nr == 332) && e->data[0] == 0) {
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
	struct sys_event *e = reserve_size(sizeof(struct sys_event), EV_SYS, tgid);
	if (!e)
		return;
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
	struct proc_event *e = reserve_size(sizeof(struct proc_event), EV_FORK, ptgid);
	if (!e)
		return 0;
	e->kind = EV_FORK;
	e->ts = bpf_ktime_get_ns();
	e->pid = ptgid;
	e->child = ctgid;
	e->code = 0;
	submit((struct event *)e);
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

// env_state is one scan of a new program's environment, for env_step.
struct env_state {
	char *buf;          // envbuf
	unsigned long ptrs; // envp[0], on the new program's stack
	unsigned long lo;   // where the variables' strings lie
	unsigned long hi;
	__u32 size;         // bytes of a pointer: 8, or 4 for an i386 program
	__u32 off;          // bytes of buf written
	__u32 n;            // variables written
	__u32 cut;          // exec_event.env_cut
};

// env_step looks at variable i: when envnames holds its name, it is added
// to the buffer (at most ENV_VAR_LEN bytes of it). It returns 1 to stop.
static long env_step(__u32 i, struct env_state *st)
{
	unsigned long p = 0;
	if (bpf_probe_read_user(&p, st->size == 4 ? 4 : 8, (const void *)(st->ptrs + (unsigned long)i * st->size)) < 0 ||
	    p < st->lo || p >= st->hi) {
		st->cut |= ENV_CUT_SCAN; // not a variable of this program's: stop
		return 1;
	}
	struct env_key k = {};
	if (bpf_probe_read_user_str(k.name, ENV_KEY_LEN, (const void *)p) <= 0)
		return 0;
	// The name is what comes before the first '='; a longer one than a
	// key holds is no name of interest.
	int eq = 0;
	for (int j = 0; j < ENV_KEY_LEN; j++) {
		if (eq)
			k.name[j] = 0;
		else if (k.name[j] == '=') {
			k.name[j] = 0;
			eq = 1;
		}
	}
	if (!eq || !bpf_map_lookup_elem(&envnames, &k))
		return 0;
	__u32 off = st->off;
	if (st->n >= ENV_SHOWN || off + 16 > ENV_LEN) {
		st->cut |= ENV_CUT_ROOM;
		return 0;
	}
	long room = (long)ENV_LEN - (long)off;
	if (room > ENV_VAR_LEN)
		room = ENV_VAR_LEN;
	if (room < 16 || room > ENV_VAR_LEN)
		return 0;
	long r = bpf_probe_read_user_str(st->buf + (off & (ENV_LEN - 1)), room, (const void *)p);
	if (r <= 0)
		return 0;
	if (r >= room)
		st->cut |= 1U << (st->n & 31);
	st->off = off + r;
	st->n++;
	return 0;
}

// read_env puts into e the new program's environment variables whose
// names envnames holds, read from its stack (its envp array, then each
// string), where the program has not run yet: at most ENV_SCAN variables
// looked at, ENV_SHOWN sent, ENV_LEN bytes.
static __always_inline void read_env(struct exec_event *e, struct linux_binprm *bprm, struct task_struct *task)
{
	e->env_n = 0;
	e->env_len = 0;
	e->env_cut = 0;
	int envc = BPF_CORE_READ(bprm, envc);
	int argc = BPF_CORE_READ(bprm, argc);
	e->envc = envc > 0 ? envc : 0;
	__u32 k = 0;
	__u8 *on = bpf_map_lookup_elem(&envon, &k);
	char *buf = bpf_map_lookup_elem(&envbuf, &k);
	if (envc <= 0 || argc < 0 || !buf || !on || !*on)
		return;
	struct mm_struct *mm = BPF_CORE_READ(task, mm);
	struct env_state st = {
		.buf = buf,
		.lo = BPF_CORE_READ(mm, env_start),
		.hi = BPF_CORE_READ(mm, env_end),
		// An i386 program's exec sets TS_COMPAT for its first return.
		.size = in_compat() ? 4 : 8,
	};
	// The stack starts with argc, argv[0..argc], a NULL, then envp.
	st.ptrs = BPF_CORE_READ(mm, start_stack) + (unsigned long)(argc + 2) * st.size;
	__u32 n = envc;
	if (n > ENV_SCAN) {
		n = ENV_SCAN;
		st.cut |= ENV_CUT_SCAN;
	}
	bpf_loop(n, env_step, &st, 0);
	e->env_n = st.n;
	e->env_len = st.off < ENV_LEN ? st.off : ENV_LEN;
	e->env_cut = st.cut;
	if (st.n > 0)
		bpf_probe_read_kernel(e->env, ENV_LEN, buf);
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
	struct exec_event *e = reserve_size(sizeof(struct exec_event), EV_EXEC, tgid);
	if (!e)
		return 0;
	e->kind = EV_EXEC;
	e->ts = bpf_ktime_get_ns();
	e->pid = tgid;
	// numbers[0] is the pid in the host's namespace.
	struct pid *sp = BPF_CORE_READ(task, signal, pids[3]);
	e->sid = sp ? BPF_CORE_READ(sp, numbers[0].nr) : 0;
	e->execs = rk.execs;
	const char *fn = BPF_CORE_READ(bprm, filename);
	bpf_probe_read_kernel_str(e->path, PATH_LEN, fn);
	// The file the kernel executed, whatever the path said.
	__u32 w = walk(e->exe, BPF_CORE_READ(bprm, file));
	e->exe_len = w & 0xffff;
	e->exe_info = w >> 16;
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
	read_env(e, bprm, task);
	submit((struct event *)e);
	return 0;
}

static __always_inline __u8 described(long nr)
{
	__u32 n = nr;
	__u8 *d = bpf_map_lookup_elem(&calls, &n);
	return d ? *d : 0;
}

// count adds call slot (nr, or MAX_NR + nr for an i386 call) to the
// counts of process tgid, whose entry p is (0: none yet).
static __always_inline void count(struct proc_counts *p, __u32 tgid, long slot)
{
	__u32 k = 0;
	if (!p) {
		struct proc_counts *z = bpf_map_lookup_elem(&zero, &k);
		if (!z)
			return;
		z->last = -1;
		if (bpf_map_update_elem(&procs, &tgid, z, BPF_NOEXIST) && bpf_map_lookup_elem(&procs, &tgid) == 0) {
			__u64 *f = bpf_map_lookup_elem(&full, &k);
			if (f)
				*f += 1;
			return;
		}
		p = bpf_map_lookup_elem(&procs, &tgid);
		if (!p)
			return;
	}
	__sync_fetch_and_add(&p->counts[slot & (2 * MAX_NR - 1)], 1);
	__s64 last = p->last;
	if (last >= 0 && last != slot)
		__sync_fetch_and_add(&p->transitions, 1);
	p->last = slot;
}

// on_enter counts call nr of the current process, whose registers are
// regs, and sends it when it is described at its entry. btf is set in the
// tp_btf program, where regs and the task are read directly.
static __always_inline int on_enter(struct pt_regs *regs, long nr, int btf)
{
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
	// An i386 call has its own numbers: counted apart, described at its
	// exit.
	int compat = task_compat(btf);
	struct config *c = bpf_map_lookup_elem(&cfg, &k);
	if (c && c->stream) {
		// exit and exit_group never return, and rt_sigreturn returns
		// with the registers of before the signal (its number lost):
		// their events are sent now.
		if (!compat && (nr == 60 || nr == 231 || nr == 15))
			sys_event(nr, tgid, 0, 0, BPF_CORE_READ(regs, di));
		else if (compat && (nr == 1 || nr == 252 || nr == 119 || nr == 173))
			sys_event(nr, tgid, 2, 0, (__u32)BPF_CORE_READ(regs, bx));
	} else if (!compat && (described(nr) & (CALL_ENTRY | CALL_EXIT)) == CALL_ENTRY) {
		call_event(regs, nr, tgid, 0, 0, 0);
	}
	count(p, tgid, compat ? MAX_NR + nr : nr);
	return 0;
}

// sys_enter runs at every call's entry (a raw tracepoint: the registers
// and the task read through helpers).
SEC("raw_tracepoint/sys_enter")
int sys_enter(struct bpf_raw_tracepoint_args *ctx)
{
	return on_enter((struct pt_regs *)ctx->args[0], (long)ctx->args[1], 0);
}

// sys_enter_btf is sys_enter where the kernel takes BTF raw tracepoints
// (tp_btf), which read the task directly: the loader picks one of them.
SEC("tp_btf/sys_enter")
int sys_enter_btf(__u64 *ctx)
{
	return on_enter((struct pt_regs *)ctx[0], (long)ctx[1], 1);
}

// on_exit, the work of sys_exit, sends the calls described at their exit (CALL_EXIT, i386
// calls), with their result, and in stream mode every call as it
// returns: the described ones with their arguments, the others with
// their number and result. The calls that make processes are told by
// their fork events (and the child's own return from them is no call); a
// successful execve by its exec event. A call that seccomp refused never
// reached sys_enter: a call that failed so in a thread with a seccomp
// filter (ENOSYS; EPERM for the calls the sandbox refuses with it) is
// counted here, and described if it is described at all. (A call that
// entered and failed so is counted twice: rare, and never in the sandbox,
// whose filter refuses these calls before they enter.)
static __always_inline int on_exit(struct pt_regs *regs, __s64 ret, int btf)
{
	__u32 k = 0;
	struct config *c = bpf_map_lookup_elem(&cfg, &k);
	if (!c)
		return 0;
	// The call's number: a direct read in the tp_btf program, a helper
	// call in the raw one (most of its cost for most calls).
	long nr = btf ? regs->orig_ax : BPF_CORE_READ(regs, orig_ax);
	if (nr < 0 || nr >= MAX_NR)
		return 0;
	__u8 d = described(nr);
	// The cheap way out, for most calls on the host.
	if (!c->stream && !(d & (CALL_EXIT | CALL_COMPAT)) && ret != -ENOSYS && ret != -EPERM)
		return 0;
	int compat = task_compat(btf);
	// What a seccomp filter refuses: the sandbox's refuses io_uring,
	// clone3 and every i386 call with ENOSYS; ptrace,
	// process_vm_readv/writev, pidfd_open and clone(CLONE_UNTRACED) with
	// EPERM.
	int refused = (ret == -ENOSYS || (ret == -EPERM && !compat &&
		       (nr == 101 || nr == 310 || nr == 311 || nr == 434 || nr == 56))) && seccomp_filtered();
	if (!compat) {
		if (!c->stream && !(d & CALL_EXIT) && !refused)
			return 0;
		if (((nr == 59 || nr == 322) && ret == 0) || nr == 15)
			return 0;
		if ((nr == 56 || nr == 57 || nr == 58 || nr == 435) && ret == 0)
			return 0;
		if (!wanted())
			return 0;
		__u32 tgid = bpf_get_current_pid_tgid() >> 32;
		if (skipped(tgid))
			return 0;
		if (refused)
			count(bpf_map_lookup_elem(&procs, &tgid), tgid, nr);
		// A refused clone or clone3 is described, with its flags: the
		// attempt is the news (clone with CLONE_UNTRACED).
		int spawn = refused && (nr == 56 || nr == 435);
		if ((d & (CALL_ENTRY | CALL_EXIT) || spawn) && (c->stream || refused || d & CALL_EXIT))
			call_event(regs, nr, tgid, 1, ret, 0);
		else if (c->stream)
			sys_event(nr, tgid, 1, ret, BPF_CORE_READ(regs, di));
		return 0;
	}
	// i386: execve 11, execveat 358; sigreturn 119, rt_sigreturn 173;
	// fork 2, clone 120, vfork 190, clone3 435.
	if (((nr == 11 || nr == 358) && ret == 0) || nr == 119 || nr == 173)
		return 0;
	if ((nr == 2 || nr == 120 || nr == 190 || nr == 435) && ret == 0)
		return 0;
	if (!wanted())
		return 0;
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	if (skipped(tgid))
		return 0;
	if (refused)
		count(bpf_map_lookup_elem(&procs, &tgid), tgid, MAX_NR + nr);
	// Every i386 call a filter refused is described: the attempt is the
	// news (the sandbox's evasion report names it).
	if (d & CALL_COMPAT || refused)
		call_event(regs, nr, tgid, 1, ret, 1);
	else if (c->stream)
		sys_event(nr, tgid, 3, ret, (__u32)BPF_CORE_READ(regs, bx));
	return 0;
}

SEC("raw_tracepoint/sys_exit")
int sys_exit(struct bpf_raw_tracepoint_args *ctx)
{
	return on_exit((struct pt_regs *)ctx->args[0], (__s64)ctx->args[1], 0);
}

// sys_exit_btf is sys_exit as a BPF raw tracepoint (see sys_enter_btf).
SEC("tp_btf/sys_exit")
int sys_exit_btf(__u64 *ctx)
{
	return on_exit((struct pt_regs *)ctx[0], (__s64)ctx[1], 1);
}

// uring_on tells whether io_uring operations are sent (the map uring).
static __always_inline int uring_on(void)
{
	__u32 k = 0;
	__u8 *on = bpf_map_lookup_elem(&uring, &k);
	return on && *on;
}

// uring_event reserves an EV_URING event of process tgid for io_uring
// opcode op, with ret, flags and the descriptor fd (arg[1]) set, every
// other field empty; 0 when the ring is full (the loss is counted).
static __always_inline struct event *uring_event(__u32 tgid, __u8 op, __s64 ret, __u32 flags, __s64 fd)
{
	struct event *e = reserve(EV_URING, tgid);
	if (!e)
		return 0;
	e->kind = EV_URING;
	e->ts = bpf_ktime_get_ns();
	e->pid = tgid;
	e->child = 0;
	e->code = op;
	e->ret = ret;
	e->len = 0;
	e->flags = flags;
	e->info = 0;
	e->plen = 0;
	e->fdlen = 0;
	e->data[0] = 0;
	e->data2[0] = 0;
	e->arg[0] = op;
	e->arg[1] = fd;
	e->arg[2] = 0;
	__builtin_memset(&e->fd, 0, sizeof(e->fd));
	return e;
}

// URING_DONE in an EV_URING event's flags marks an open's completion
// (uring_complete).
#define URING_DONE 1

// uring_submit sends an io_uring operation (an EV_URING event) as it is
// submitted: its opcode, the descriptor it names and what that is, and an
// open's path as given.
SEC("raw_tracepoint/io_uring_submit_req")
int uring_submit(struct bpf_raw_tracepoint_args *ctx)
{
	if (!uring_on() || !wanted())
		return 0;
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	if (skipped(tgid))
		return 0;
	struct io_kiocb *req = (struct io_kiocb *)ctx->args[0];
	__u8 op = BPF_CORE_READ(req, opcode);
	struct event *e = uring_event(tgid, op, 0, 0, BPF_CORE_READ(req, cqe.fd));
	if (!e)
		return 0;
	if (op == 18 || op == 28) { // IORING_OP_OPENAT, IORING_OP_OPENAT2
		struct io_open *o = (struct io_open *)req;
		e->arg[1] = BPF_CORE_READ(o, dfd);
		bpf_probe_read_kernel_str(e->data, PATH_LEN, BPF_CORE_READ(o, filename, name));
	} else if (!(BPF_CORE_READ(req, flags) & 1)) {
		// Not a registered file (REQ_F_FIXED_FILE): a descriptor.
		describe_fd(e, fd_file((int)e->arg[1]));
	}
	submit(e);
	return 0;
}

// uring_complete sends, for an IORING_OP_OPENAT(2) that made a
// descriptor, where the kernel resolved it (an EV_URING event with flags
// URING_DONE, its result in ret, the path in data2 as INFO_RETPATH says),
// as its completion is posted: in the process that submitted it or one
// of its io_uring workers, which share its file table.
SEC("raw_tracepoint/io_uring_complete")
int uring_complete(struct bpf_raw_tracepoint_args *ctx)
{
	if (!uring_on())
		return 0;
	struct io_kiocb *req = (struct io_kiocb *)ctx->args[1];
	__u8 op = BPF_CORE_READ(req, opcode);
	if (op != 18 && op != 28) // IORING_OP_OPENAT, IORING_OP_OPENAT2
		return 0;
	struct io_uring_cqe *cqe = (struct io_uring_cqe *)ctx->args[2];
	int res = BPF_CORE_READ(cqe, res);
	// A failure was told by its submission; a registered file (a slot)
	// is no descriptor.
	if (res < 0 || BPF_CORE_READ((struct io_open *)req, file_slot) || !wanted())
		return 0;
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	if (skipped(tgid))
		return 0;
	struct event *e = uring_event(tgid, op, res, URING_DONE, res);
	if (!e)
		return 0;
	ret_path(e, res);
	submit(e);
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
	struct proc_event *e = reserve_size(sizeof(struct proc_event), EV_EXIT, tgid);
	if (!e)
		return 0;
	e->kind = EV_EXIT;
	e->ts = bpf_ktime_get_ns();
	e->pid = tgid;
	e->child = 0;
	e->code = BPF_CORE_READ(task, exit_code);
	submit((struct event *)e);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
