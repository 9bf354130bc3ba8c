package samples

import (
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// A file or folder that cannot be read is a source with Err, not a skip:
// the caller must report it as a failed sample. Root reads mode 000
// files, so as root the test runs itself again as uid 65534.
func TestCollectUnreadable(t *testing.T) {
	dir := os.Getenv("TRACE_TEST_UNREADABLE_DIR")
	if dir == "" {
		dir = t.TempDir()
		writeFile(t, filepath.Join(dir, "ok.strace"), "getpid() = 1\n", 0o644)
		writeFile(t, filepath.Join(dir, "secret.strace"), "getpid() = 1\n", 0o644)
		writeFile(t, filepath.Join(dir, "locked", "inner.strace"), "getpid() = 1\n", 0o644)
		if os.Getuid() == 0 {
			setpriv, err := exec.LookPath("setpriv")
			if err != nil {
				t.Skip("root without setpriv (util-linux): mode 000 cannot be tested")
			}
			exe, err := os.Executable()
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range []string{dir, filepath.Dir(exe)} {
				for p := d; p != "/" && p != "."; p = filepath.Dir(p) {
					if fi, err := os.Stat(p); err == nil && fi.Mode().Perm()&0o005 != 0o005 {
						os.Chmod(p, fi.Mode().Perm()|0o005)
					}
				}
			}
			os.Chmod(filepath.Join(dir, "secret.strace"), 0)
			os.Chmod(filepath.Join(dir, "locked"), 0)
			cmd := exec.Command(setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", "--",
				exe, "-test.run=^TestCollectUnreadable$", "-test.v")
			cmd.Env = append(os.Environ(), "TRACE_TEST_UNREADABLE_DIR="+dir)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("as uid 65534: %v\n%s", err, out)
			}
			t.Logf("as uid 65534:\n%s", out)
			return
		}
		os.Chmod(filepath.Join(dir, "secret.strace"), 0)
		os.Chmod(filepath.Join(dir, "locked"), 0)
		t.Cleanup(func() { os.Chmod(filepath.Join(dir, "locked"), 0o755) })
	}
	srcs, skipped, err := Collect([]string{dir}, KindAuto)
	if err != nil || len(skipped) != 0 {
		t.Fatalf("err %v, skipped %v", err, skipped)
	}
	if len(srcs) != 3 {
		t.Fatalf("sources %v, want 3", srcs)
	}
	for i, name := range []string{"locked", "ok.strace", "secret.strace"} {
		s := srcs[i]
		if s.Name != filepath.Join(dir, name) || (s.Err == nil) != (name == "ok.strace") {
			t.Errorf("source %d: %+v, want %s", i, s, name)
		}
		if s.Err != nil && !errors.Is(s.Err, fs.ErrPermission) {
			t.Errorf("%s: err %v, want permission denied", name, s.Err)
		}
	}
	// Named directly, an unreadable file is still a source.
	srcs, _, err = Collect([]string{filepath.Join(dir, "secret.strace")}, KindAuto)
	if err != nil || len(srcs) != 1 || !errors.Is(srcs[0].Err, fs.ErrPermission) {
		t.Errorf("named file: sources %+v, err %v", srcs, err)
	}
}
