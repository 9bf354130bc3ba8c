package report

import (
	"strconv"
	"strings"
	"time"
)

// Severities, lowest first. A sample's severity is the highest of its
// findings' and of the model's verdict (see ModelSeverity).
const (
	SeverityNone    = "NONE"
	SeverityInfo    = "INFO"
	SeverityWarning = "WARNING"
	SeverityAlert   = "ALERT"
)

// SeverityRank orders severities: NONE 0, INFO 1, WARNING 2, ALERT 3; an
// unknown name ranks -1.
func SeverityRank(s string) int {
	switch s {
	case SeverityNone:
		return 0
	case SeverityInfo:
		return 1
	case SeverityWarning:
		return 2
	case SeverityAlert:
		return 3
	}
	return -1
}

// ConfidentAnomaly is the confidence from which an anomalous verdict is a
// WARNING rather than INFO.
const ConfidentAnomaly = 0.9

// ModelSeverity is the severity of a model verdict alone: WARNING for an
// anomalous verdict at confidence ConfidentAnomaly or more, INFO for a
// less confident one, NONE for a normal one or an error.
func ModelSeverity(verdict string, confidence float64) string {
	switch {
	case verdict == Incomplete:
		return SeverityInfo // not seen whole: never silently clean
	case verdict != Anomalous:
		return SeverityNone
	case confidence >= ConfidentAnomaly:
		return SeverityWarning
	}
	return SeverityInfo
}

// Finding is one behaviour rule that matched a sample, with its evidence.
type Finding struct {
	Rule     string     // rule id, e.g. "read-shadow"
	Severity string     // INFO, WARNING or ALERT
	Count    int        // how many times it matched (every match, not only the shown evidence)
	Message  string     // the rule's one-line output for the first match
	Evidence []Evidence // the first matches
	Process  *Process   // the process of the first match
}

// Evidence is one system call that matched a rule.
type Evidence struct {
	PID     int
	Time    time.Duration // as the trace gave it; see HasTime
	HasTime bool
	Syscall string // the call as strace printed it
	// Path is the object the call's path resolved to, the one the rule
	// judged; AsGiven the path as the call spelled it, when different.
	Path, AsGiven string
	// Rule is, in the evidence of an escalation (multiple-warnings), the
	// WARNING rule the call hit.
	Rule string
}

// Process is the process a finding concerns.
type Process struct {
	PID  int
	PPID int
	Exe  string
	// Executed is the file the kernel runs when it is not Exe: a
	// script's interpreter; "" when the same or not known.
	Executed string
	Argv     []string
	Chain    []string // executable names of its ancestors, nearest first
}

// FindingsText writes findings for a table cell: "read-shadow,
// exec-memfd +2" names the first two and counts the rest.
func FindingsText(f []Finding) string {
	const shown = findingsShown
	var b strings.Builder
	for i, x := range f[:min(len(f), shown)] {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(x.Rule)
	}
	if len(f) > shown {
		b.WriteString(" +" + strconv.Itoa(len(f)-shown))
	}
	return b.String()
}

// findingsShown is how many findings FindingsText names.
const findingsShown = 2

// findingsCSV writes findings as "id:SEVERITY:count;...".
func findingsCSV(f []Finding) string {
	var b strings.Builder
	for i, x := range f {
		if i > 0 {
			b.WriteByte(';')
		}
		b.WriteString(x.Rule + ":" + x.Severity + ":" + strconv.Itoa(x.Count))
	}
	return b.String()
}
