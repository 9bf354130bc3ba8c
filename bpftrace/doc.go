// Package bpftrace is detector's eBPF system-call tracer: raw tracepoints on
// system-call entry and on process exit count, in the kernel and per process
// (thread-group id), how often each system call was made, the total, and the
// number of adjacent pairs of calls with different numbers (the transitions
// features.go needs). Counts restart at each execve (which is counted, as
// strace -f counts a program it started). A process's entry is deleted when its thread-group
// leader exits, so the maps do not grow without bound; read Counts while the
// process lives.
//
// Calls made through the i386 entry point (int $0x80, told by the thread's
// TS_COMPAT) are counted under their own numbers, named from the i386
// table. A raw tracepoint on system-call exit sends the calls described as
// they return (the opens, with the path the kernel resolved the new
// descriptor to, walked up the file's dentries and mounts to the process's
// root; failed execs; i386 calls), and sees the calls a seccomp filter
// refused, which never reach the entry tracepoint. Where the kernel has it,
// io_uring:io_uring_submit_req sends io_uring operations. Probe says which
// kinds of hook the kernel loads.
//
// Which processes are counted is chosen by Config: every process, only those
// in one pid namespace (device and inode of its nsfs file), or only those in
// one cgroup (id). Loading needs root, or CAP_BPF and CAP_PERFMON, and a
// kernel with BPF raw tracepoints.
//
// The BPF program is bpf/tracer.c. The generated Go bindings and objects
// (tracer_bpfel.go, tracer_bpfel.o) are committed, so building needs no clang.
// To regenerate them after editing the C:
//
//	apt-get install clang llvm libbpf-dev
//	go generate ./bpftrace
//
// The objects committed were built with Debian 12's clang 14; where that
// clang is installed, TestGeneratedUpToDate checks that they are what the
// C compiles to.
package bpftrace

//go:generate go run github.com/cilium/ebpf/cmd/bpf2go -cc clang -target bpfel -type config tracer bpf/tracer.c -- -O2 -g -I/usr/include/x86_64-linux-gnu
