package bpftrace

import (
	"fmt"
	"strings"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/link"
	"github.com/cilium/ebpf/rlimit"
)

// ProbeResult says which kinds of BPF hook this kernel lets a program
// load and attach to; nil is yes, else why not.
type ProbeResult struct {
	RawTracepoint error // raw tracepoint sys_enter: what the tracer needs
	IOUring       error // raw tracepoint io_uring:io_uring_submit_req
	// BTF raw tracepoint (tp_btf) sys_enter: the call hooks' cheaper kind,
	// used where it loads (Hooks.BTF).
	BTFRawTracepoint error
	FEntry           error // fentry on security_file_open (BTF trampolines)
	LSM              error // BPF-LSM on file_open
	Kprobe           error // kprobe on security_file_open
}

// String writes the result, one hook a line.
func (p ProbeResult) String() string {
	var b strings.Builder
	for _, h := range []struct {
		name string
		err  error
	}{
		{"raw tracepoint sys_enter", p.RawTracepoint},
		{"raw tracepoint io_uring_submit_req", p.IOUring},
		{"tp_btf sys_enter", p.BTFRawTracepoint},
		{"fentry security_file_open", p.FEntry},
		{"lsm file_open", p.LSM},
		{"kprobe security_file_open", p.Kprobe},
	} {
		if h.err == nil {
			fmt.Fprintf(&b, "%s: loads\n", h.name)
		} else {
			fmt.Fprintf(&b, "%s: %v\n", h.name, h.err)
		}
	}
	return b.String()
}

// Probe loads and attaches, for each kind of hook, a program that does
// nothing, and says what this kernel allowed (a kernel in lockdown may
// refuse fentry and LSM programs while raw tracepoints load). The tracer
// itself uses raw tracepoints, and BTF raw tracepoints (tp_btf) for its
// call hooks where they load; the others are told for the reader.
func Probe() ProbeResult {
	nop := asm.Instructions{asm.Mov.Imm(asm.R0, 0), asm.Return()}
	load := func(spec *ebpf.ProgramSpec) (*ebpf.Program, error) {
		spec.License, spec.Instructions = "GPL", nop
		return ebpf.NewProgram(spec)
	}
	var p ProbeResult
	if err := rlimit.RemoveMemlock(); err != nil {
		err = explain("bpftrace: remove memlock limit", err)
		return ProbeResult{err, err, err, err, err, err}
	}
	raw := func(name string) error {
		prog, err := load(&ebpf.ProgramSpec{Type: ebpf.RawTracepoint})
		if err != nil {
			return err
		}
		defer prog.Close()
		l, err := link.AttachRawTracepoint(link.RawTracepointOptions{Name: name, Program: prog})
		if err != nil {
			return err
		}
		return l.Close()
	}
	p.RawTracepoint = raw("sys_enter")
	p.IOUring = raw("io_uring_submit_req")
	p.BTFRawTracepoint = tpBTF() // the tracer's own answer: what it chooses by
	p.FEntry = func() error {
		prog, err := load(&ebpf.ProgramSpec{Type: ebpf.Tracing, AttachType: ebpf.AttachTraceFEntry, AttachTo: "security_file_open"})
		if err != nil {
			return err
		}
		defer prog.Close()
		l, err := link.AttachTracing(link.TracingOptions{Program: prog})
		if err != nil {
			return err
		}
		return l.Close()
	}()
	p.LSM = func() error {
		prog, err := load(&ebpf.ProgramSpec{Type: ebpf.LSM, AttachType: ebpf.AttachLSMMac, AttachTo: "file_open"})
		if err != nil {
			return err
		}
		defer prog.Close()
		l, err := link.AttachLSM(link.LSMOptions{Program: prog})
		if err != nil {
			return err
		}
		return l.Close()
	}()
	p.Kprobe = func() error {
		prog, err := load(&ebpf.ProgramSpec{Type: ebpf.Kprobe})
		if err != nil {
			return err
		}
		defer prog.Close()
		l, err := link.Kprobe("security_file_open", prog, nil)
		if err != nil {
			return err
		}
		return l.Close()
	}()
	return p
}
