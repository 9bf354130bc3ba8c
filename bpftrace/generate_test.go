package bpftrace

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// clangVersion is the major version of the clang that built the committed
// objects.
const clangVersion = "14"

// The committed objects and bindings are what bpf/tracer.c compiles to:
// an edit of the C that was not followed by go generate fails here. It
// needs clang, which building does not; without it the test skips.
func TestGeneratedUpToDate(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles the BPF program; skipped with -short")
	}
	if _, err := exec.LookPath("clang"); err != nil {
		t.Skip("clang is not installed (apt-get install clang llvm libbpf-dev): the committed BPF objects are not compared with bpf/tracer.c")
	}
	// Another clang compiles the same C to other bytes.
	if v, err := exec.Command("clang", "--version").Output(); err != nil || !bytes.Contains(v, []byte("clang version "+clangVersion+".")) {
		t.Skipf("the committed BPF objects were built with clang %s (Debian 12's); this clang is another: not compared with bpf/tracer.c", clangVersion)
	}
	if _, err := os.Stat("/usr/include/bpf/bpf_helpers.h"); err != nil {
		t.Skip("libbpf-dev is not installed: the committed BPF objects are not compared with bpf/tracer.c")
	}
	dir := t.TempDir()
	// The arguments of the go:generate line in doc.go, with another output folder.
	cmd := exec.Command("go", "run", "github.com/cilium/ebpf/cmd/bpf2go", "-cc", "clang", "-target", "bpfel",
		"-type", "config", "-go-package", "bpftrace", "-output-dir", dir, "tracer", "bpf/tracer.c",
		"--", "-O2", "-g", "-I/usr/include/x86_64-linux-gnu")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("bpf2go: %v\n%s", err, out)
	}
	for _, name := range []string{"tracer_bpfel.o", "tracer_bpfel.go"} {
		want, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from what bpf/tracer.c compiles to: run go generate ./bpftrace", name)
		}
	}
}
