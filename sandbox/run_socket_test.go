package sandbox

import (
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// hostSocket is a unix listener of the host that a sample must not reach.
type hostSocket struct {
	name     string // what the test calls it
	addr     string // socket path, or "\x00name" for an abstract socket
	accepted atomic.Int32
	ln       net.Listener
}

// listenUnix starts a listener on addr ("@name" for an abstract socket) that
// counts the connections it accepts.
func listenUnix(t *testing.T, name, addr string) *hostSocket {
	t.Helper()
	ln, err := net.Listen("unix", addr)
	if err != nil {
		t.Fatalf("listen on %s: %v", addr, err)
	}
	s := &hostSocket{name: name, addr: addr, ln: ln}
	if strings.HasPrefix(addr, "@") {
		s.addr = "\x00" + addr[1:]
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.accepted.Add(1)
			c.Close()
		}
	}()
	return s
}

// socketHome returns a private folder in a home of the sandbox's user:
// as root a fresh home below /home owned by nobody (the sandbox's user),
// otherwise a folder in the caller's own HOME; "" when there is none.
func socketHome(t *testing.T) string {
	t.Helper()
	uid, gid := sandboxIDs()
	if os.Getuid() == 0 {
		home, err := os.MkdirTemp("/home", ".detector-home-")
		if err != nil {
			t.Logf("no socket in a home folder: cannot create one below /home: %v", err)
			return ""
		}
		t.Cleanup(func() { os.RemoveAll(home) })
		ssh := filepath.Join(home, ".ssh")
		if err := os.Mkdir(ssh, 0o700); err != nil {
			t.Fatal(err)
		}
		for _, d := range []string{home, ssh} {
			if err := os.Chown(d, uid, gid); err != nil {
				t.Fatal(err)
			}
		}
		os.Chmod(home, 0o755)
		return ssh
	}
	home, err := os.UserHomeDir()
	if err != nil {
		t.Logf("no socket in a home folder: %v", err)
		return ""
	}
	dir, err := os.MkdirTemp(home, ".detector-ssh-")
	if err != nil {
		t.Logf("no socket in a home folder: cannot create a folder in HOME %s: %v", home, err)
		return ""
	}
	os.Chmod(dir, 0o700)
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// TestRunHostileHostSockets: no unix socket of the host answers a sample,
// whether it lies in a host folder the sandbox does not show (/opt), in the
// home of the sandbox's own user with mode 0600 (an SSH ControlMaster
// socket), or in the abstract namespace; and netlink shows only the run's
// own network namespace.
func TestRunHostileHostSockets(t *testing.T) {
	sandboxOrSkip(t)
	needPerl(t)
	var socks []*hostSocket

	if os.Getuid() == 0 {
		dir, err := os.MkdirTemp("/opt", ".detector-sock-")
		if err != nil {
			t.Fatalf("create a folder below /opt: %v", err)
		}
		t.Cleanup(func() { os.RemoveAll(dir) })
		os.Chmod(dir, 0o755)
		s := listenUnix(t, "/opt", filepath.Join(dir, "daemon.sock"))
		os.Chmod(s.addr, 0o777)
		socks = append(socks, s)
	}
	if home := socketHome(t); home != "" {
		uid, gid := sandboxIDs()
		s := listenUnix(t, "home", filepath.Join(home, "control.sock"))
		os.Chmod(s.addr, 0o600)
		if os.Getuid() == 0 {
			os.Chown(s.addr, uid, gid)
		}
		socks = append(socks, s)
	}
	// A socket below the host's /tmp (X11's, for one).
	socks = append(socks, listenUnix(t, "/tmp", filepath.Join(t.TempDir(), "x.sock")))
	socks = append(socks, listenUnix(t, "abstract", fmt.Sprintf("@detector-test-%d", rand.Uint64())))

	dir := t.TempDir()
	var addrs []string
	for _, s := range socks {
		addrs = append(addrs, fmt.Sprintf("%q", s.addr))
	}
	prog := writeProgram(t, dir, "sockets.pl", fmt.Sprintf(`#!/usr/bin/perl
# MARK %s
use Socket;
$| = 1;
for my $addr (%s) {
	my $shown = $addr =~ s/\0/@/r;
	print "visible $shown\n" if substr($addr, 0, 1) ne "\0" && -e $addr;
	socket(my $s, PF_UNIX, SOCK_STREAM, 0) or die "socket: $!";
	if (connect($s, pack_sockaddr_un($addr))) {
		print "connected to $shown\n";
	} else {
		print "no connection to $shown: $!\n";
	}
	close $s;
}
exec "ip", "-o", "link" if -x "/usr/sbin/ip" || -x "/usr/bin/ip";
`, dir, strings.Join(addrs, ", ")))
	res, raw, _ := runHostile(t, RunOptions{Timeout: 20 * time.Second}, dir, prog)

	time.Sleep(100 * time.Millisecond) // a connection is queued before connect returns
	out := string(res.Stdout)
	for _, s := range socks {
		shown := strings.ReplaceAll(s.addr, "\x00", "@")
		if n := s.accepted.Load(); n > 0 || strings.Contains(out, "connected to "+shown) {
			t.Errorf("%s socket %q answered the sample (%d connections); stdout %q", s.name, shown, n, out)
		}
		if strings.Contains(out, "visible "+shown) {
			t.Errorf("%s socket %q is visible in the sandbox", s.name, shown)
		}
		if !strings.Contains(out, "no connection to "+shown) {
			t.Errorf("the sample did not report its attempt on %s socket %q: stdout %q", s.name, shown, out)
		}
	}
	calls := parseCalls(t, raw)
	n := 0
	for _, c := range calls {
		if c.Name == "connect" && strings.Contains(c.Args, "AF_UNIX") {
			n++
			if c.Errno == "" {
				t.Errorf("a connect succeeded: %+v", c)
			}
		}
	}
	if n < len(socks) {
		t.Errorf("trace holds %d connect calls on unix sockets, want %d", n, len(socks))
	}
	// netlink answers for the run's network namespace only: its loopback.
	if _, err := exec.LookPath("ip"); err == nil {
		var links []string
		for _, l := range strings.Split(out, "\n") {
			if f := strings.Fields(l); len(f) > 1 && strings.HasSuffix(f[0], ":") {
				links = append(links, strings.TrimSuffix(f[1], ":"))
			}
		}
		if len(links) != 1 || links[0] != "lo" {
			t.Errorf("netlink shows the links %v, want only the run's own lo", links)
		}
	}
}
