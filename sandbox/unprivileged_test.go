package sandbox

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
)

// unprivilegedEnv marks the test binary re-executed as nobody.
const unprivilegedEnv = "DETECTOR_TEST_UNPRIVILEGED"

// TestHostileUnprivileged runs the hostile-program tests again as an
// unprivileged user (uid and gid 65534, no supplementary groups), as a
// person without root runs detector: the sandbox then builds its user
// namespace without any privilege, and every claim of the README's Safety
// section must hold there too. It needs root to switch users; the tests
// themselves run unprivileged.
func TestHostileUnprivileged(t *testing.T) {
	if os.Getenv(unprivilegedEnv) != "" {
		t.Skip("already the unprivileged run")
	}
	if os.Getuid() != 0 {
		t.Skip("needs root to run the hostile tests again as uid 65534 (as an unprivileged user they already ran as that user)")
	}
	if testing.Short() {
		t.Skip("runs the hostile tests a second time; skipped with -short")
	}
	// The test binary lives in a folder only root may enter: copy it
	// where nobody can execute it.
	dir, err := os.MkdirTemp("", "detector-unpriv-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "sandbox.test")
	if err := copyFile(os.Args[0], bin, 0o755); err != nil {
		t.Fatal(err)
	}
	// A home and a temporary folder of the user's own.
	home, tmp := filepath.Join(dir, "home"), filepath.Join(dir, "tmp")
	for _, d := range []string{home, tmp} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(d, 65534, 65534); err != nil {
			t.Fatal(err)
		}
	}
	// A host folder visible in the sandbox (not below /tmp) that the user
	// may write, for the tests that check host files stay untouched.
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	host := ""
	for _, base := range []string{wd, "/var/cache", "/var/lib", "/srv", "/opt"} {
		if hiddenInSandbox(base) || !reachableByOthers(base) {
			continue
		}
		if host, err = os.MkdirTemp(base, ".detector-unpriv-host-"); err == nil {
			break
		}
	}
	if host == "" {
		t.Skip("no host folder that uid 65534 can reach and the sandbox shows")
	}
	defer os.RemoveAll(host)
	if err := os.Chmod(host, 0o777); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-test.run", "^(TestRunHostile|TestRunOwnKeyring|TestRunBasic)", "-test.v")
	cmd.Dir = tmp // the repository may lie where uid 65534 cannot go
	cmd.Env = append(os.Environ(), unprivilegedEnv+"=1", "HOME="+home, "TMPDIR="+tmp, hostDirEnv+"="+host)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534, Groups: []uint32{}}}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the hostile tests failed as uid 65534: %v\n%s", err, out)
	}
	passed := regexp.MustCompile(`(?m)^--- PASS: (TestRunHostile\w*)`).FindAllStringSubmatch(string(out), -1)
	var names []string
	for _, m := range passed {
		names = append(names, m[1])
	}
	t.Logf("passed as uid 65534: %s", strings.Join(names, " "))
	// The sandbox needs nothing but unprivileged user namespaces: the
	// core hostile tests must have run, not skipped.
	for _, want := range []string{"TestRunHostileWrite", "TestRunHostileConnect", "TestRunHostileHostSockets", "TestRunHostileUntracedClone", "TestRunHostileForkBomb"} {
		if !strings.Contains(" "+strings.Join(names, " ")+" ", " "+want+" ") {
			t.Errorf("%s did not pass as uid 65534:\n%s", want, out)
		}
	}
}

func copyFile(src, dst string, mode os.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
