// Package sandbox runs a program under strace -f inside a throw-away
// sandbox built from Linux namespaces, and streams strace's raw output to a
// writer while it runs.
//
// Run re-executes the current binary as the sandbox's init (package
// internal/initproc says what the init sets up: fresh user, mount, pid,
// network, ipc and uts namespaces, a root of read-only binds of the system
// folders, private tmpfs scratch space, no capabilities, a seccomp filter
// that keeps every process in the tracer's sight, an own session keyring,
// resource limits) and puts the run in a cgroup of its own that bounds its
// total memory where the machine allows. It returns when every process of
// the run is gone: the timeout, the trace-size cap and cancellation kill
// them all. TraceOptions are the strace options every run records with.
//
// Check reports whether the sandbox can be built on this machine; a
// *SandboxError says why not. With RunOptions.NoSandbox the program runs
// under plain strace, unisolated, for programs the caller trusts.
package sandbox
