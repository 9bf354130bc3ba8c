package samples

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"detector/hint"
	"detector/internal/safefile"
	"detector/trace"
)

// Kind is the kind of an input sample.
type Kind int

const (
	KindAuto   Kind = iota // decide per file by sniffing (Collect only)
	KindExec               // an executable to run under strace
	KindStrace             // a recorded strace log, or an -ff group of them
	KindADFA               // an ADFA-LD trace of system-call numbers
	KindCSV                // a table of features
)

var kindNames = [...]string{"auto", "exec", "strace", "adfa", "csv"}

// ParseKind parses "auto", "exec", "strace", "adfa" or "csv".
func ParseKind(s string) (Kind, error) {
	for i, n := range kindNames {
		if s == n {
			return Kind(i), nil
		}
	}
	return 0, fmt.Errorf("parse input kind %q: want one of %s", s, strings.Join(kindNames[:], ", "))
}

func (k Kind) String() string {
	if k >= 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// Source is one sample to featurize.
type Source struct {
	Name  string   // the path as walked; for an -ff group, the PREFIX path (folder/PREFIX)
	Kind  Kind     // never KindAuto, except for a source with Err
	Paths []string // one path, or the PREFIX.PID files of an -ff group in ascending pid order
	// Argv, for a command given with its arguments (KindExec), is the
	// whole command line; Argv[0] is Paths[0], the program found in PATH.
	Argv []string
	// Err, when set, says why the file or folder could not be read: the
	// sample exists but cannot be used, which is an error for it, not a
	// reason to leave it out.
	Err error
}

// SniffBytes is how much of each file Collect reads to decide its kind.
const SniffBytes = 64 << 10

// Collect walks each path and returns the samples found, in argument order
// and, inside a folder, in lexical path order (folders are walked
// recursively).
//
// With kind KindAuto each file is sniffed from its first SniffBytes bytes:
//   - an ELF file or a "#!" script with an execute bit is KindExec;
//   - a file whose name ends in ".csv" is KindCSV;
//   - a file with at least one strace line in the prefix (see ParseStrace)
//     is KindStrace;
//   - a non-empty file of white-space-separated decimal integers is KindADFA;
//   - anything else is left out and reported in skipped, naming the file and
//     the reason (so are ELF files without an execute bit, fifos, devices,
//     sockets and dangling symlinks).
//
// A file or folder that cannot be read (open, read or walk fails, say for
// lack of permission) is returned as a Source with Err set.
//
// With another kind every regular file is taken as that kind unsniffed.
//
// strace -ff writes one file PREFIX.PID per process. Strace files (sniffed
// or by kind) whose names are PREFIX.<digits> in the same folder are joined
// into one sample named folder/PREFIX when at least two of them share the
// prefix and no file named exactly PREFIX sits beside them (that looks like
// rotated logs, not -ff output); the sample takes the place of its first
// member. A lone PREFIX.PID file stays a sample of its own.
//
// Symlinks given as arguments are followed. Inside a walked folder,
// symlinked files are followed but symlinked folders are not (they are
// reported in skipped), so walks cannot loop. A path that does not exist or
// cannot be read is an error.
func Collect(paths []string, kind Kind) (samples []Source, skipped []error, err error) {
	if kind < KindAuto || kind > KindCSV {
		return nil, nil, fmt.Errorf("collect: unknown input kind %v", kind)
	}
	var files []Source
	for _, root := range paths {
		fi, err := os.Stat(root)
		if err != nil {
			return nil, nil, fmt.Errorf("collect %s: %w", root, err)
		}
		if !fi.IsDir() {
			src, serr := classify(root, fi, kind)
			if serr != nil {
				skipped = append(skipped, serr)
				continue
			}
			files = append(files, src)
			continue
		}
		werr := walkDir(root, true, func(path string) {
			fi, err := os.Stat(path) // follows symlinks
			if errors.Is(err, fs.ErrNotExist) {
				skipped = append(skipped, fmt.Errorf("skip %s: %w", path, err))
				return
			}
			if err != nil {
				files = append(files, Source{Name: path, Paths: []string{path}, Err: err})
				return
			}
			if fi.IsDir() {
				skipped = append(skipped, fmt.Errorf("skip %s: symlinked folder not followed", path))
				return
			}
			src, serr := classify(path, fi, kind)
			if serr != nil {
				skipped = append(skipped, serr)
				return
			}
			files = append(files, src)
		}, func(path string, err error) {
			files = append(files, Source{Name: path, Paths: []string{path}, Err: err})
		})
		if werr != nil {
			return nil, nil, fmt.Errorf("collect %s: %w", root, werr)
		}
	}
	return groupFF(files), skipped, nil
}

// walkDir calls file for every entry below the folder dir that is not a
// folder itself, in lexical order, descending into real folders only.
// Folders are opened with safefile.OpenDir, so one swapped for a FIFO
// cannot block the walk. An error opening or reading dir is returned when
// root is set and passed to bad otherwise: a folder that cannot be read is
// an unusable sample, not one to leave out.
func walkDir(dir string, root bool, file func(path string), bad func(path string, err error)) error {
	d, err := safefile.OpenDir(dir)
	if err != nil {
		if root {
			return err
		}
		bad(dir, fmt.Errorf("walk %s: %w", dir, err))
		return nil
	}
	entries, err := d.ReadDir(-1)
	d.Close()
	if err != nil {
		if root {
			return err
		}
		bad(dir, fmt.Errorf("walk %s: %w", dir, err))
		return nil
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })
	for _, e := range entries {
		path := filepath.Join(dir, e.Name())
		if e.IsDir() {
			walkDir(path, false, file, bad)
			continue
		}
		file(path)
	}
	return nil
}

// notRegular is the reason a non-regular file is skipped.
func notRegular(path string, t fs.FileMode) error {
	return fmt.Errorf("skip %s: not a regular file (%s)", path, safefile.TypeName(t))
}

// classify decides the kind of one file. fi, from a stat of path, is only
// a first filter: a sniffed file is opened with safefile.Open and judged
// by what was opened, and a file taken unsniffed is opened that way when
// it is replayed.
func classify(path string, fi fs.FileInfo, kind Kind) (Source, error) {
	if !fi.Mode().IsRegular() {
		return Source{}, notRegular(path, fi.Mode().Type())
	}
	if kind != KindAuto {
		return Source{Name: path, Kind: kind, Paths: []string{path}}, nil
	}
	f, err := safefile.Open(path)
	if errors.Is(err, safefile.ErrNotRegular) {
		return Source{}, fmt.Errorf("skip %s: %w", path, errors.Unwrap(err))
	}
	if err != nil {
		return Source{Name: path, Paths: []string{path}, Err: err}, nil
	}
	defer f.Close()
	if fi, err = f.Stat(); err != nil {
		return Source{Name: path, Paths: []string{path}, Err: err}, nil
	}
	exec := fi.Mode()&0o111 != 0
	r, done, err := decompress(path, f)
	if err != nil {
		return Source{}, fmt.Errorf("skip %s: %w", path, err)
	}
	defer done()
	name := path
	if compression(path) != "" {
		name, exec = uncompressedName(path), false // a compressed file is never run
	}
	buf := make([]byte, SniffBytes)
	n, err := io.ReadFull(r, buf)
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		if compression(path) != "" {
			return Source{}, fmt.Errorf("skip %s: %w", path, err)
		}
		return Source{Name: path, Paths: []string{path}, Err: err}, nil
	}
	k, why := sniff(name, buf[:n], exec, n == len(buf))
	if compression(path) != "" && (k == KindCSV || k == KindExec) {
		return Source{}, fmt.Errorf("skip %s: compressed files are read as strace logs or ADFA-LD traces only", path)
	}
	if k == KindAuto {
		return Source{}, fmt.Errorf("skip %s: %s", path, why)
	}
	return Source{Name: path, Kind: k, Paths: []string{path}}, nil
}

// sniff decides the kind of a file from its name, the first bytes of its
// content and whether it has an execute bit. truncated says head is only a
// prefix of the file. It returns KindAuto and a reason when no kind fits.
func sniff(name string, head []byte, exec, truncated bool) (Kind, string) {
	// An ELF file is a program with or without its execute bit (malware
	// pulled out of an archive usually has none): the pipeline runs a
	// private executable copy. A script needs the bit, as a shell would.
	if bytes.HasPrefix(head, []byte("\x7fELF")) && !compressedName(name) {
		return KindExec, ""
	}
	if bytes.HasPrefix(head, []byte("\x7fELF")) || bytes.HasPrefix(head, []byte("#!")) {
		if exec {
			return KindExec, ""
		}
		if !strings.HasSuffix(strings.ToLower(name), ".csv") {
			return KindAuto, "a script without execute permission (chmod +x it, or give --input exec)"
		}
	}
	if strings.HasSuffix(strings.ToLower(name), ".csv") {
		return KindCSV, ""
	}
	if len(head) == 0 {
		return KindAuto, "empty file"
	}
	if exec && !trace.LooksLikeStrace(head, truncated) && !looksADFA(head, truncated) && utf8.Valid(head) {
		return KindAuto, "an executable text file without #! (give --input exec to run it with /bin/sh)"
	}
	if trace.LooksLikeStrace(head, truncated) {
		return KindStrace, ""
	}
	if looksADFA(head, truncated) {
		return KindADFA, ""
	}
	return KindAuto, "not an executable, strace log, ADFA-LD trace or .csv file"
}

// looksADFA reports whether head holds only white-space-separated decimal
// integers, at least one.
func looksADFA(head []byte, truncated bool) bool {
	if truncated {
		// Drop a possibly cut last token.
		if i := bytes.LastIndexAny(head, " \t\r\n"); i >= 0 {
			head = head[:i]
		}
	}
	digits := false
	for _, c := range head {
		switch {
		case c >= '0' && c <= '9':
			digits = true
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
		default:
			return false
		}
	}
	return digits
}

// ffSuffix splits "PREFIX.<digits>" into PREFIX and the pid.
func ffSuffix(path string) (prefix string, pid int, ok bool) {
	i := strings.LastIndexByte(path, '.')
	if i <= 0 || i == len(path)-1 || strings.ContainsRune(path[i:], filepath.Separator) {
		return "", 0, false
	}
	v, err := strconv.Atoi(path[i+1:])
	if err != nil || v < 0 || path[i+1] == '+' || path[i+1] == '-' {
		return "", 0, false
	}
	base := filepath.Base(path[:i])
	if base == "" || base == "." || base == string(filepath.Separator) {
		return "", 0, false
	}
	return path[:i], v, true
}

// groupFF joins strace files of one -ff run into one sample; see Collect.
func groupFF(files []Source) []Source {
	exists := make(map[string]bool, len(files))
	for _, f := range files {
		exists[filepath.Clean(f.Paths[0])] = true
	}
	type member struct {
		pid  int
		path string
	}
	groups := make(map[string][]member)
	for _, f := range files {
		if f.Kind != KindStrace {
			continue
		}
		if prefix, pid, ok := ffSuffix(f.Paths[0]); ok {
			groups[prefix] = append(groups[prefix], member{pid, f.Paths[0]})
		}
	}
	var out []Source
	done := make(map[string]bool)
	for _, f := range files {
		prefix, _, ok := ffSuffix(f.Paths[0])
		ms := groups[prefix]
		if f.Kind != KindStrace || !ok || len(ms) < 2 || exists[filepath.Clean(prefix)] || fileExists(prefix) {
			out = append(out, f)
			continue
		}
		if done[prefix] {
			continue
		}
		done[prefix] = true
		sort.SliceStable(ms, func(i, j int) bool { return ms[i].pid < ms[j].pid })
		src := Source{Name: prefix, Kind: KindStrace}
		seen := make(map[string]bool)
		for _, m := range ms {
			if !seen[m.path] {
				seen[m.path] = true
				src.Paths = append(src.Paths, m.path)
			}
		}
		out = append(out, src)
	}
	return out
}

func fileExists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

// Replay parses a recorded sample: the files of a KindStrace source in order
// (for an -ff group, a call's PID is taken from its file name), or the one
// file of a KindADFA source, numbered for arch. trace.Stats are summed over the
// files. Errors name the file; parse errors wrap a *ParseError.
func Replay(src Source, arch trace.Arch, fn func(*trace.Call) error) (trace.Stats, error) {
	return ReplayEvents(src, arch, trace.CallsOnly(fn))
}

// ReplayEvents is Replay delivering every event (see ParseEvents). ADFA-LD
// traces hold calls only.
func ReplayEvents(src Source, arch trace.Arch, fn func(*trace.Event) error) (trace.Stats, error) {
	return ReplayEventsMax(src, arch, DefaultMaxTrace, fn)
}

// ReplayEventsMax is ReplayEvents with limit (DefaultMaxTrace when 0 or
// less) bounding each file, as read or once decompressed: a plain file
// larger than limit is refused before it is read, a longer stream when it
// passes limit; the error wraps ErrTooLarge.
func ReplayEventsMax(src Source, arch trace.Arch, limit int64, fn func(*trace.Event) error) (trace.Stats, error) {
	if limit <= 0 {
		limit = DefaultMaxTrace
	}
	var total trace.Stats
	if len(src.Paths) == 0 {
		return total, fmt.Errorf("replay %s: no files", src.Name)
	}
	for _, path := range src.Paths {
		st, err := replayFile(src, path, arch, limit, fn)
		total.Add(st)
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

func replayFile(src Source, path string, arch trace.Arch, limit int64, fn func(*trace.Event) error) (trace.Stats, error) {
	var stopped bool
	wrapped := func(e *trace.Event) error {
		if err := fn(e); err != nil {
			stopped = true
			return err
		}
		return nil
	}
	f, err := safefile.Open(path)
	if err != nil {
		return trace.Stats{}, fmt.Errorf("replay %s: %w", path, err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && !compressedName(path) && fi.Size() > limit {
		err := tooLarge(limit)
		return trace.Stats{}, hint.Wrap(fmt.Errorf("replay %s: %s, %w", path, sizeText(fi.Size()), err), hint.Of(err))
	}
	in, done, err := decompressMax(path, f, limit)
	if err != nil {
		return trace.Stats{}, fmt.Errorf("replay %s: %w", path, err)
	}
	defer done()
	var st trace.Stats
	switch src.Kind {
	case KindStrace:
		pid := 0
		if len(src.Paths) > 1 {
			_, pid, _ = ffSuffix(path)
		}
		st, err = trace.ParseEventsPID(in, pid, wrapped)
	case KindADFA:
		var ev trace.Event
		st, err = trace.ParseADFA(in, arch, func(c *trace.Call) error {
			ev = trace.Event{Kind: trace.EventCall, PID: c.PID, Call: c}
			return wrapped(&ev)
		})
	default:
		return trace.Stats{}, fmt.Errorf("replay %s: %v input is not a recorded trace", path, src.Kind)
	}
	if err != nil && !stopped {
		var pe *trace.ParseError
		if errors.As(err, &pe) {
			return st, fmt.Errorf("parse %s: %w", path, err)
		}
		return st, fmt.Errorf("replay %s: %w", path, err)
	}
	return st, err
}
