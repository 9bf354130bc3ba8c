// Package logsink carries the alert log's records (rules.LogRecord) to
// the system's log pipelines instead of a file: the systemd journal, the
// local syslog socket, and a remote syslog collector over UDP or TCP as
// RFC 5424 messages (octet-counted framing on TCP, RFC 6587). Every sink
// keeps the record's JSON object whole as the message and carries the
// rule, severity, kind and pid as fields of their own; the record's
// severity sets the message's priority (see Priority).
package logsink

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strings"

	"detector/rules"
)

// Options describe the sender of the records.
type Options struct {
	// Host names this machine (RFC 5424 HOSTNAME; "-" when empty).
	Host string
	// App names the program (APP-NAME, SYSLOG_IDENTIFIER): "detector"
	// when empty.
	App string
	// PID is the sender's process id (PROCID): os.Getpid() when 0.
	PID int
	// Warn, when set, hears that a syslog daemon or collector stopped
	// answering, and that it answers again.
	Warn func(format string, args ...any)
}

func (o Options) app() string {
	if o.App == "" {
		return "detector"
	}
	return o.App
}

func (o Options) pid() int {
	if o.PID == 0 {
		return os.Getpid()
	}
	return o.PID
}

// IsSpec reports whether a --log value names a sink rather than a file:
// "journal", "syslog" or "syslog:...". A file of such a name is given
// as ./journal.
func IsSpec(s string) bool {
	return s == "journal" || s == "syslog" || strings.HasPrefix(s, "syslog:")
}

// Open opens the sink spec names:
//
//	journal                  the systemd journal (native protocol)
//	syslog                   the local syslog socket, /dev/log
//	syslog:udp://HOST:PORT   RFC 5424 over UDP, one message per datagram
//	syslog:tcp://HOST:PORT   RFC 5424 over TCP, octet-counted (RFC 6587)
func Open(spec string, o Options) (rules.Sink, error) {
	switch {
	case spec == "journal":
		return openJournal(o)
	case spec == "syslog":
		return dialLocal(DefaultLocalSocket, o)
	case strings.HasPrefix(spec, "syslog:"):
		rest := strings.TrimPrefix(spec, "syslog:")
		network, addr, ok := strings.Cut(rest, "://")
		if !ok || (network != "udp" && network != "tcp") {
			return nil, fmt.Errorf("--log %s: a remote syslog is syslog:udp://HOST:PORT or syslog:tcp://HOST:PORT", spec)
		}
		if _, _, err := net.SplitHostPort(addr); err != nil {
			return nil, fmt.Errorf("--log %s: %w", spec, err)
		}
		return dialRemote(network, addr, o)
	}
	return nil, errors.New("unknown log sink " + spec)
}

// Syslog severities (RFC 5424 section 6.2.1), which the journal's
// PRIORITY shares.
const (
	sevAlert   = 1
	sevWarning = 4
	sevInfo    = 6
)

// facility is authpriv (10): the records name programs, arguments and
// files of the host, which syslog daemons keep readable by root alone
// under this facility.
const facility = 10

// Priority is the syslog severity of a record: ALERT is alert (1),
// WARNING warning (4), INFO info (6); a drop record (events were lost)
// is a warning, and any other record without a severity (a process that
// ended) is info.
func Priority(r *rules.LogRecord) int {
	switch {
	case r.Severity == rules.Alert:
		return sevAlert
	case r.Severity == rules.Warning, r.Kind == "drop":
		return sevWarning
	}
	return sevInfo
}

// pidOf is the pid of the record's process, 0 when it has none.
func pidOf(r *rules.LogRecord) int {
	if r.Process != nil {
		return r.Process.PID
	}
	return 0
}

// message is the record's JSON without its newline.
func message(line []byte) []byte {
	if n := len(line); n > 0 && line[n-1] == '\n' {
		return line[:n-1]
	}
	return line
}
