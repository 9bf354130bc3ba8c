package sandbox

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// childEnv marks a test binary re-executed by a test of this file.
const childEnv = "DETECTOR_TEST_CHILD"

// inChild reports whether this process is the re-executed child of test
// name; otherwise it re-executes the test binary for that test alone with
// attr, as a child, and reports the child's failure.
func inChild(t *testing.T, name string, attr *syscall.SysProcAttr) bool {
	t.Helper()
	if os.Getenv(childEnv) == name {
		return true
	}
	cmd := exec.Command(os.Args[0], "-test.run=^"+name+"$", "-test.v")
	cmd.Env = append(os.Environ(), childEnv+"="+name)
	cmd.SysProcAttr = attr
	out, err := cmd.CombinedOutput()
	t.Logf("child:\n%s", out)
	if err != nil {
		t.Fatalf("child test: %v", err)
	}
	if strings.Contains(string(out), "--- SKIP") {
		t.Skip("the child skipped")
	}
	return false
}

// TestRunDropsGroups runs, as root with supplementary group 0 (as under su
// or sudo), a program that reads a 0640 root:root file: the program has no
// supplementary group, and the file stays closed to it.
func TestRunDropsGroups(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root: only root's runs can drop supplementary groups (see KeptGroups)")
	}
	if !inChild(t, "TestRunDropsGroups", &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 0, Gid: 0, Groups: []uint32{0, 4242}}}) {
		return
	}
	sandboxOrSkip(t)
	if g, _ := os.Getgroups(); !slices.Contains(g, 0) || !slices.Contains(g, 4242) {
		t.Fatalf("the test runs with groups %v, want 0 and 4242 among them", g)
	}
	host := hostDir(t)
	secret := filepath.Join(host, "root-only.txt")
	if err := os.WriteFile(secret, []byte("secret\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(secret, 0, 0); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	// The file is named on the command line, so the sandbox shows it at
	// its path, with its owner and mode.
	prog := writeProgram(t, dir, "groups.sh", "#!/bin/sh\nexport MARK="+dir+"\ngrep Groups /proc/self/status\nid -G\ncat \"$1\"\n")
	res, raw, _ := runHostile(t, RunOptions{Timeout: 10 * time.Second}, dir, prog, secret)
	out := string(res.Stdout)
	i := strings.Index(out, "Groups:")
	if i < 0 {
		t.Fatalf("no Groups line in %q", out)
	}
	if line, _, _ := strings.Cut(out[i+len("Groups:"):], "\n"); strings.TrimSpace(line) != "" {
		t.Errorf("the program has supplementary groups %q, want none", line)
	}
	if strings.Contains(out, "secret") {
		t.Errorf("the program read the 0640 root:root file %s", secret)
	}
	if _, ok := findCall(parseCalls(t, raw), "openat", secret, "EACCES"); !ok {
		t.Errorf("trace lacks the refused open of %s", secret)
	}
}

// TestRunOwnKeyring runs, from a session keyring holding a secret key, a
// program that looks for the key, reads it by its serial number and plants
// a key of its own: the secret stays out of reach, and the planted key is
// neither in the caller's keyring nor alive after the run, with the
// sandbox and without it.
func TestRunOwnKeyring(t *testing.T) {
	needPerl(t)
	const secretDesc, plantedDesc = "detector-test-secret", "detector-test-planted"
	if os.Getenv(childEnv) != "TestRunOwnKeyring" {
		sandboxOrSkip(t)
		// A session keyring of the test's own with the secret in it, for the
		// re-executed test binary.
		cmd := exec.Command("/usr/bin/perl", "-e", `
			syscall(250, 1, 0) >= 0 or die "join a session keyring: $!\n"; # KEYCTL_JOIN_SESSION_KEYRING, anonymous
			my ($type, $desc, $data) = ("user", "`+secretDesc+`", "s3cret"); # syscall wants variables
			syscall(248, $type, $desc, $data, 6, -3) >= 0 or die "add_key: $!\n";
			exec @ARGV or die "exec: $!\n";`,
			os.Args[0], "-test.run=^TestRunOwnKeyring$", "-test.v")
		cmd.Env = append(os.Environ(), childEnv+"=TestRunOwnKeyring")
		out, err := cmd.CombinedOutput()
		t.Logf("child:\n%s", out)
		if err != nil {
			t.Fatalf("child test: %v", err)
		}
		return
	}
	secret, err := unix.KeyctlSearch(unix.KEY_SPEC_SESSION_KEYRING, "user", secretDesc, 0)
	if err != nil {
		t.Fatalf("the secret is not in the test's session keyring: %v", err)
	}
	dir := t.TempDir()
	prog := writeProgram(t, dir, "keys.pl", fmt.Sprintf(`#!/usr/bin/perl
$ENV{MARK} = "%s";
$| = 1;
my ($type, $secret, $planted, $data) = ("user", "%s", "%s", "planted"); # syscall wants variables
my $r = syscall(250, 10, -3, $type, $secret, 0); # KEYCTL_SEARCH in the session keyring
print $r < 0 ? "search: $!\n" : "search found $r\n";
my $buf = "\0" x 64;
$r = syscall(250, 11, %d, $buf, 64); # KEYCTL_READ of the secret's serial
print $r < 0 ? "read: $!\n" : "read: " . substr($buf, 0, $r) . "\n";
$r = syscall(248, $type, $planted, $data, 7, -3); # add_key to the session keyring
print $r < 0 ? "plant: $!\n" : "planted $r\n";
`, dir, secretDesc, plantedDesc, secret))
	for _, noSandbox := range []bool{false, true} {
		res, _, _ := runHostile(t, RunOptions{Timeout: 10 * time.Second, NoSandbox: noSandbox}, dir, prog)
		out := string(res.Stdout)
		if strings.Contains(out, "s3cret") || strings.Contains(out, "search found") {
			t.Errorf("NoSandbox=%v: the program reached the caller's key: %q", noSandbox, out)
		}
		i := strings.Index(out, "planted ")
		if i < 0 {
			t.Fatalf("NoSandbox=%v: the program planted no key: %q", noSandbox, out)
		}
		planted, err := strconv.Atoi(strings.TrimSpace(out[i+len("planted "):]))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := unix.KeyctlSearch(unix.KEY_SPEC_SESSION_KEYRING, "user", plantedDesc, 0); err == nil {
			t.Errorf("NoSandbox=%v: the planted key is in the caller's session keyring", noSandbox)
		}
		// The key goes with the run's keyring, which the kernel collects soon
		// after the run's last process; ENOKEY says it is gone (EACCES would
		// say it is alive). The deadline only catches a key that stays.
		deadline := time.Now().Add(2 * time.Minute)
		for {
			_, err := unix.KeyctlString(unix.KEYCTL_DESCRIBE, planted)
			if err == unix.ENOKEY {
				break
			}
			if time.Now().After(deadline) {
				t.Errorf("NoSandbox=%v: the planted key %d outlived the run by 2 minutes: %v", noSandbox, planted, err)
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}
