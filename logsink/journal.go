package logsink

import (
	"errors"
	"strconv"

	"github.com/coreos/go-systemd/v22/journal"

	"detector/rules"
)

// journalSink sends records with the journal's native protocol.
type journalSink struct{ o Options }

// ErrNoJournal is Open's error for "journal" where systemd-journald does
// not run (its socket is missing).
var ErrNoJournal = errors.New("the systemd journal is not running here (no /run/systemd/journal/socket)")

func openJournal(o Options) (rules.Sink, error) {
	if !journal.Enabled() {
		return nil, ErrNoJournal
	}
	return journalSink{o}, nil
}

// JournalFields are the fields a record is sent with besides MESSAGE (its
// JSON object) and PRIORITY: SYSLOG_IDENTIFIER, DETECTOR_KIND,
// DETECTOR_RULE, DETECTOR_SEVERITY, DETECTOR_SOURCE and DETECTOR_PID
// (those the record has).
func JournalFields(r *rules.LogRecord, o Options) map[string]string {
	f := map[string]string{
		"SYSLOG_IDENTIFIER": o.app(),
		"DETECTOR_KIND":     r.Kind,
		"DETECTOR_SEVERITY": r.Severity.String(),
	}
	if r.Rule != "" {
		f["DETECTOR_RULE"] = r.Rule
	}
	if r.Source != "" {
		f["DETECTOR_SOURCE"] = r.Source
	}
	if pid := pidOf(r); pid != 0 {
		f["DETECTOR_PID"] = strconv.Itoa(pid)
	}
	return f
}

func (s journalSink) WriteRecord(r *rules.LogRecord, line []byte) error {
	return journal.Send(string(message(line)), journal.Priority(Priority(r)), JournalFields(r, s.o))
}

func (journalSink) Close() error { return nil }
