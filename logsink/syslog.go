package logsink

import (
	"fmt"
	"net"
	"strconv"
	"sync"
	"time"

	"detector/rules"
)

// DefaultLocalSocket is the local syslog daemon's socket (rsyslog,
// syslog-ng, or journald's syslog socket).
const DefaultLocalSocket = "/dev/log"

// SDID is the RFC 5424 structured-data element the fields go in:
// detector has no IANA private enterprise number of its own, so it uses
// 32473, the number RFC 5612 sets aside for examples and documentation.
const SDID = "detector@32473"

// maxDatagram bounds one UDP message: the largest UDP payload over IPv4.
// A longer message is cut there, as RFC 5424 section 6.1 lets a
// transport do; the TCP and local sinks send records whole.
const maxDatagram = 65507

// ioTimeout bounds a connect or a write to a collector, so that a stuck
// collector cannot hold the log (and the monitor's judging) for ever.
const ioTimeout = 5 * time.Second

// Format5424 returns r as one RFC 5424 message, without framing:
//
//	<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [detector@32473 kind="" rule="" severity="" pid=""] MSG
//
// PRI is the authpriv facility with Priority(r); TIMESTAMP is the
// record's own time, in UTC to the microsecond; MSGID is the record's
// kind; MSG is the JSON object of line, without a BOM.
func Format5424(r *rules.LogRecord, line []byte, o Options) []byte {
	t, err := time.Parse(time.RFC3339Nano, r.Timestamp)
	if err != nil {
		t = time.Now()
	}
	b := make([]byte, 0, len(line)+160)
	b = append(b, '<')
	b = strconv.AppendInt(b, int64(facility*8+Priority(r)), 10)
	b = append(b, ">1 "...)
	b = t.UTC().AppendFormat(b, "2006-01-02T15:04:05.000000Z07:00")
	b = append(b, ' ')
	b = appendHeaderField(b, o.Host, 255)
	b = append(b, ' ')
	b = appendHeaderField(b, o.app(), 48)
	b = append(b, ' ')
	b = appendHeaderField(b, strconv.Itoa(o.pid()), 128)
	b = append(b, ' ')
	b = appendHeaderField(b, r.Kind, 32)
	b = append(b, " ["...)
	b = append(b, SDID...)
	b = appendParam(b, "kind", r.Kind)
	if r.Rule != "" {
		b = appendParam(b, "rule", r.Rule)
	}
	b = appendParam(b, "severity", r.Severity.String())
	if r.Source != "" {
		b = appendParam(b, "source", r.Source)
	}
	if pid := pidOf(r); pid != 0 {
		b = appendParam(b, "pid", strconv.Itoa(pid))
	}
	b = append(b, "] "...)
	return append(b, message(line)...)
}

// appendHeaderField appends s as a header field: printable US-ASCII
// (33-126) of at most max bytes, any other byte as '_'; "-" (nil) for an
// empty s.
func appendHeaderField(b []byte, s string, max int) []byte {
	if s == "" {
		return append(b, '-')
	}
	if len(s) > max {
		s = s[:max]
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 33 || c > 126 {
			c = '_'
		}
		b = append(b, c)
	}
	return b
}

// appendParam appends ` name="value"`, with '"', '\' and ']' escaped by
// a backslash (RFC 5424 section 6.3.3). The value is UTF-8 as the
// record's strings are.
func appendParam(b []byte, name, value string) []byte {
	b = append(b, ' ')
	b = append(b, name...)
	b = append(b, '=', '"')
	for i := 0; i < len(value); i++ {
		switch c := value[i]; c {
		case '"', '\\', ']':
			b = append(b, '\\', c)
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

// FormatLocal returns r as a message for the local syslog socket, in the
// form syslog(3) writes there: "<PRI>Mmm dd hh:mm:ss APP[PID]: MSG".
func FormatLocal(r *rules.LogRecord, line []byte, o Options, now time.Time) []byte {
	b := fmt.Appendf(nil, "<%d>%s %s[%d]: ", facility*8+Priority(r), now.Format(time.Stamp), o.app(), o.pid())
	return append(b, message(line)...)
}

// connSink writes each record on a connection, dialling again once when
// a write fails (a restarted daemon or collector).
type connSink struct {
	mu      sync.Mutex
	network string
	addr    string
	o       Options
	conn    net.Conn
	format  func(r *rules.LogRecord, line []byte) []byte
}

func dialLocal(path string, o Options) (rules.Sink, error) {
	s := &connSink{network: "unixgram", addr: path, o: o}
	s.format = func(r *rules.LogRecord, line []byte) []byte { return FormatLocal(r, line, o, time.Now()) }
	if err := s.dial(); err != nil {
		return nil, err
	}
	return s, nil
}

// DialLocal opens a sink writing to the local syslog socket at path, as
// "syslog" does to DefaultLocalSocket.
func DialLocal(path string, o Options) (rules.Sink, error) { return dialLocal(path, o) }

func dialRemote(network, addr string, o Options) (rules.Sink, error) {
	s := &connSink{network: network, addr: addr, o: o}
	s.format = func(r *rules.LogRecord, line []byte) []byte {
		m := Format5424(r, line, o)
		if network == "tcp" {
			return append(strconv.AppendInt(nil, int64(len(m)), 10), append([]byte{' '}, m...)...)
		}
		return m[:min(len(m), maxDatagram)]
	}
	if err := s.dial(); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *connSink) dial() error {
	c, err := net.DialTimeout(s.network, s.addr, ioTimeout)
	if err != nil {
		return fmt.Errorf("connect to syslog %s %s: %w", s.network, s.addr, err)
	}
	s.conn = c
	return nil
}

func (s *connSink) WriteRecord(r *rules.LogRecord, line []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.format(r, line)
	var err error
	for try := 0; try < 2; try++ {
		if s.conn == nil {
			if err = s.dial(); err != nil {
				continue
			}
		}
		s.conn.SetWriteDeadline(time.Now().Add(ioTimeout))
		if _, err = s.conn.Write(m); err == nil {
			return nil
		}
		s.conn.Close()
		s.conn = nil
		err = fmt.Errorf("send to syslog %s %s: %w", s.network, s.addr, err)
	}
	return err
}

func (s *connSink) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conn == nil {
		return nil
	}
	err := s.conn.Close()
	s.conn = nil
	return err
}
