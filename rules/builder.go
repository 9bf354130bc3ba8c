package rules

import "strings"

// builtSet remembers the paths whose last writer in the run was a
// compiler or linker (see isBuilder), so a program the run compiled and
// then ran (cc x.c && ./a.out, go test) can be told from one it
// downloaded or decoded. It holds at most MaxWrittenFiles paths; past
// that, new builds are not remembered and their exec counts as an
// ordinary written file (the louder answer).
type builtSet struct {
	m map[string]struct{}
}

// builderNames are the executables that write programs: linkers, the
// compiler drivers' collect2, Go's link tool and the go command (which
// rewrites the build id in the binaries link wrote and copies cached ones
// into place) and compilers that link by themselves.
var builderNames = map[string]bool{
	"go": true, "ld": true, "ld.bfd": true, "ld.gold": true, "ld.lld": true, "lld": true, "mold": true,
	"collect2": true, "link": true, "rustc": true, "tcc": true, "ghc": true, "ocamlopt": true,
	"zig": true, "nim": true, "swiftc": true, "ldc2": true, "gdc": true,
}

// isBuilder reports whether the executable path names a linker or a
// self-linking compiler (cross linkers such as x86_64-linux-gnu-ld.bfd
// included).
func isBuilder(exe string) bool {
	n := baseName(exe)
	if builderNames[n] {
		return true
	}
	if i := strings.LastIndex(n, "-"); i > 0 && i < len(n)-1 {
		return builderNames[n[i+1:]]
	}
	return false
}

// noteWritten records p as written by the calling process: in the
// written set always, in the built set when the writer is a builder; a
// later write by anything else takes p out of the built set.
func (e *Engine) noteWritten(ctx *evalCtx, p string) {
	e.written.add(p)
	if isBuilder(ctx.proc.exe) {
		if e.built.m == nil {
			e.built.m = map[string]struct{}{}
		}
		if _, ok := e.built.m[p]; !ok && len(e.built.m) < MaxWrittenFiles {
			e.built.m[strings.Clone(p)] = struct{}{}
		}
		return
	}
	delete(e.built.m, p)
}

// execBuilt reports whether the executed file was last written by a
// compiler or linker of the run.
func (c *evalCtx) execBuilt() bool {
	ps := c.paths()
	if len(ps) == 0 {
		return false
	}
	_, ok := c.e.built.m[ps[0]]
	return ok && c.e.written.has(ps[0])
}

// has reports whether p was last written by a builder.
func (b *builtSet) has(p string) bool {
	_, ok := b.m[p]
	return ok
}

// noteBuilt records p as written by a builder, whoever made the call
// (a rename of a builder's output).
func (e *Engine) noteBuilt(p string) {
	e.written.add(p)
	if e.built.m == nil {
		e.built.m = map[string]struct{}{}
	}
	if _, ok := e.built.m[p]; !ok && len(e.built.m) < MaxWrittenFiles {
		e.built.m[strings.Clone(p)] = struct{}{}
	}
}
