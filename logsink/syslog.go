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

// maxPending bounds the messages a connection sink keeps while its
// daemon or collector does not answer; past it the oldest are dropped
// (and counted).
const maxPending = 4 << 20

// retryEvery is how often a connection sink dials again while its daemon
// or collector does not answer (at the next record).
const retryEvery = time.Second

// connSink writes each record on a connection. When the daemon or
// collector does not answer (restarted, unreachable), records wait in a
// bounded queue and the sink dials again at the next record, at most
// every retryEvery; Options.Warn hears once when the outage begins and
// once when it ends, with the records dropped meanwhile. A record is
// never an error for the log: the monitor keeps judging.
type connSink struct {
	mu      sync.Mutex
	network string
	addr    string
	o       Options
	conn    net.Conn
	format  func(r *rules.LogRecord, line []byte) []byte

	pending      [][]byte // oldest first
	pendingBytes int
	dropped      int // records dropped from pending in this outage
	retryAt      time.Time
	down         bool // in an outage (warned)
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

func (s *connSink) warn(format string, args ...any) {
	if s.o.Warn != nil {
		s.o.Warn(format, args...)
	}
}

func (s *connSink) WriteRecord(r *rules.LogRecord, line []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.format(r, line)
	s.pending = append(s.pending, m)
	s.pendingBytes += len(m)
	for s.pendingBytes > maxPending && len(s.pending) > 1 {
		s.pendingBytes -= len(s.pending[0])
		s.pending[0] = nil
		s.pending = s.pending[1:]
		s.dropped++
	}
	s.flush(false)
	return nil
}

// flush sends the pending messages in order; it dials again when the
// connection failed (at once after a failed write, then every
// retryEvery, or now when force is set). It returns the error that left
// messages pending.
func (s *connSink) flush(force bool) error {
	redialed := false
	for len(s.pending) > 0 {
		if s.conn == nil {
			if redialed || (!force && time.Now().Before(s.retryAt)) {
				return fmt.Errorf("syslog %s %s does not answer", s.network, s.addr)
			}
			redialed = true
			if err := s.dial(); err != nil {
				s.outage(err)
				return err
			}
		}
		s.conn.SetWriteDeadline(time.Now().Add(ioTimeout))
		if _, err := s.conn.Write(s.pending[0]); err != nil {
			s.conn.Close()
			s.conn = nil
			s.outage(fmt.Errorf("send to syslog %s %s: %w", s.network, s.addr, err))
			continue
		}
		s.pendingBytes -= len(s.pending[0])
		s.pending[0] = nil
		s.pending = s.pending[1:]
	}
	if s.down {
		s.down = false
		s.warn("syslog %s %s answers again: the records kept meanwhile are sent, %d dropped", s.network, s.addr, s.dropped)
		s.dropped = 0
	}
	return nil
}

// outage notes that the daemon or collector does not answer.
func (s *connSink) outage(err error) {
	s.retryAt = time.Now().Add(retryEvery)
	if !s.down {
		s.down = true
		s.warn("%v; records wait (up to %d MiB) until it answers", err, maxPending>>20)
	}
}

// Close sends what is pending (dialling once more if needed) and closes
// the connection; records it could not deliver are an error.
func (s *connSink) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var err error
	if len(s.pending) > 0 {
		if ferr := s.flush(true); ferr != nil {
			err = fmt.Errorf("%d records not delivered: %w", len(s.pending)+s.dropped, ferr)
		}
	}
	if s.conn != nil {
		if cerr := s.conn.Close(); err == nil {
			err = cerr
		}
		s.conn = nil
	}
	return err
}
