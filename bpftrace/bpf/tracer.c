// SPDX-License-Identifier: GPL-2.0
// In-kernel per-process system-call counting for detector's eBPF tracer.
// Raw tracepoints only; no vmlinux.h is needed because the target filter
// uses helpers (bpf_get_ns_current_pid_tgid, bpf_get_current_cgroup_id).
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define MAX_NR 512

enum { MODE_ALL = 0, MODE_PIDNS = 1, MODE_CGROUP = 2 };

struct config {
	__u32 mode;
	__u32 pad;
	__u64 ns_dev;
	__u64 ns_ino;
	__u64 cgroup_id;
};

struct proc_counts {
	__u64 total;
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

SEC("raw_tracepoint/sys_enter")
int sys_enter(struct bpf_raw_tracepoint_args *ctx)
{
	long nr = (long)ctx->args[1];
	if (nr < 0 || nr >= MAX_NR)
		return 0;
	if (!wanted())
		return 0;
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct proc_counts *p = bpf_map_lookup_elem(&procs, &tgid);
	if (!p) {
		__u32 k = 0;
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
	__sync_fetch_and_add(&p->total, 1);
	__sync_fetch_and_add(&p->counts[nr & (MAX_NR - 1)], 1);
	__s64 last = p->last;
	if (last >= 0 && last != nr)
		__sync_fetch_and_add(&p->transitions, 1);
	p->last = nr;
	return 0;
}

SEC("raw_tracepoint/sched_process_exit")
int process_exit(struct bpf_raw_tracepoint_args *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid = id >> 32;
	if ((__u32)id != tgid)
		return 0; // a thread; the process's entry goes with its leader
	bpf_map_delete_elem(&procs, &tgid);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
