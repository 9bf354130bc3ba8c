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
struct task_struct {
	int pid;
	int tgid;
	int exit_code;
} __attribute__((preserve_access_index));

struct linux_binprm {
	const char *filename;
} __attribute__((preserve_access_index));

struct pt_regs {
	unsigned long di;
	unsigned long si;
	unsigned long dx;
	unsigned long orig_ax;
} __attribute__((preserve_access_index));

#define PATH_LEN 256
#define ADDR_LEN 128

enum { EV_FORK = 1, EV_EXEC = 2, EV_EXIT = 3, EV_CALL = 4, EV_SYS = 5 };

// struct event is mirrored by rawEvent in tracer.go (kept out of the BTF
// on purpose: a global naming it would add a .bss map).
struct event {
	__u32 kind;
	__u32 pid;      // tgid of the process
	__u32 child;    // EV_FORK: tgid of the child
	__s32 code;     // EV_EXIT: exit code (wait status); EV_CALL: call number
	__u32 len;      // EV_CALL connect: sockaddr length
	__u32 flags;    // EV_CALL openat: the open flags; connect, listen: the descriptor
	__s64 ret;      // EV_CALL in stream mode: the return value
	char data[PATH_LEN]; // EV_EXEC filename; EV_CALL path or sockaddr bytes
};

// struct sys_event is a call without its arguments (stream mode), mirrored
// by rawSys in tracer.go.
struct sys_event {
	__u32 kind;     // EV_SYS
	__u32 pid;
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

// lost counts events that found the ring buffer full, per CPU.
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} lost SEC(".maps");

#define MAX_NR 512

// calls marks (1) the call numbers whose arguments are sent as events; an
// array, whose lookups the verifier inlines.
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MAX_NR);
	__type(key, __u32);
	__type(value, __u8);
} calls SEC(".maps");

enum { MODE_ALL = 0, MODE_PIDNS = 1, MODE_CGROUP = 2 };

struct config {
	__u32 mode;
	__u32 stream; // every call is an event, at its exit, with its return value
	__u64 ns_dev;
	__u64 ns_ino;
	__u64 cgroup_id;
	__u64 wakeup; // wake the reader once this many bytes wait in the ring
};

// The total is the counts' sum, left to user space: one atomic add less
// per call.
struct proc_counts {
	__u64 transitions;
	__s64 last; // last call number, -1 before the first call
	__u32 counts[MAX_NR];
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

static __always_inline struct event *reserve(void)
{
	struct event *e = bpf_ringbuf_reserve(&events, sizeof(struct event), 0);
	if (!e) {
		__u32 k = 0;
		__u64 *l = bpf_map_lookup_elem(&lost, &k);
		if (l)
			*l += 1;
	}
	return e;
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

// fill reads the arguments of a described call from its registers: at
// entry, or at exit in stream mode (a failed call leaves them as they were).
static __always_inline void fill(struct event *e, struct pt_regs *regs, long nr)
{
	e->flags = 0;
	e->len = 0;
	e->data[0] = 0;
	if (nr == 59) { // execve(path, ...)
		const char *path = (const char *)BPF_CORE_READ(regs, di);
		bpf_probe_read_user_str(e->data, PATH_LEN, path);
	} else if (nr == 257) { // openat(dirfd, path, ...)
		const char *path = (const char *)BPF_CORE_READ(regs, si);
		bpf_probe_read_user_str(e->data, PATH_LEN, path);
		e->flags = BPF_CORE_READ(regs, dx);
	} else if (nr == 50) { // listen(fd, backlog)
		e->flags = BPF_CORE_READ(regs, di);
	} else if (nr == 42) { // connect(fd, addr, len)
		e->flags = BPF_CORE_READ(regs, di);
		const void *addr = (const void *)BPF_CORE_READ(regs, si);
		__u32 len = BPF_CORE_READ(regs, dx);
		if (len > ADDR_LEN)
			len = ADDR_LEN;
		e->len = len;
		if (bpf_probe_read_user(e->data, len & (ADDR_LEN - 1) ? len & (ADDR_LEN - 1) : 0, addr) < 0)
			e->len = 0;
	}
}

static __always_inline void call_event(struct pt_regs *regs, long nr, __u32 tgid, __s64 ret)
{
	struct event *e = reserve();
	if (!e)
		return;
	e->kind = EV_CALL;
	e->pid = tgid;
	e->child = 0;
	e->code = nr;
	e->ret = ret;
	fill(e, regs, nr);
	submit(e);
}

static __always_inline void sys_event(long nr, __u32 tgid, __u32 known, __s64 ret, __s64 arg0)
{
	struct sys_event *e = bpf_ringbuf_reserve(&events, sizeof(struct sys_event), 0);
	if (!e) {
		__u32 k = 0;
		__u64 *l = bpf_map_lookup_elem(&lost, &k);
		if (l)
			*l += 1;
		return;
	}
	e->kind = EV_SYS;
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
	struct event *e = reserve();
	if (!e)
		return 0;
	e->kind = EV_FORK;
	e->pid = ptgid;
	e->child = ctgid;
	e->code = 0;
	e->ret = 0;
	e->len = 0;
	e->flags = 0;
	e->data[0] = 0;
	submit(e);
	return 0;
}

SEC("raw_tracepoint/sched_process_exec")
int process_exec(struct bpf_raw_tracepoint_args *ctx)
{
	if (!wanted())
		return 0;
	struct linux_binprm *bprm = (struct linux_binprm *)ctx->args[2];
	// A new program: its counts restart with the execve that made it, as
	// strace -f counts a program it started.
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	__u32 k = 0;
	struct proc_counts *z = bpf_map_lookup_elem(&zero, &k);
	if (z) {
		z->last = 59;
		z->counts[59] = 1;
		bpf_map_update_elem(&procs, &tgid, z, BPF_ANY);
		z->counts[59] = 0;
		z->last = -1;
	}
	struct event *e = reserve();
	if (!e)
		return 0;
	e->kind = EV_EXEC;
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->child = 0;
	e->code = 0;
	e->ret = 0;
	e->len = 0;
	e->flags = 0;
	const char *fn = BPF_CORE_READ(bprm, filename);
	bpf_probe_read_kernel_str(e->data, PATH_LEN, fn);
	submit(e);
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
	if (!p && !wanted())
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
		call_event(regs, nr, tgid, 0);
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
	if (described(nr))
		call_event(regs, nr, tgid, ret);
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
	struct proc_counts *p = bpf_map_lookup_elem(&procs, &tgid);
	if (p && wanted())
		bpf_map_update_elem(&exited, &tgid, p, BPF_ANY);
	bpf_map_delete_elem(&procs, &tgid);
	if (!wanted())
		return 0;
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct event *e = reserve();
	if (!e)
		return 0;
	e->kind = EV_EXIT;
	e->pid = tgid;
	e->child = 0;
	e->code = BPF_CORE_READ(task, exit_code);
	e->ret = 0;
	e->len = 0;
	e->flags = 0;
	e->data[0] = 0;
	submit(e);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
