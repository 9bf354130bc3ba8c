package report

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mattn/go-runewidth"
	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/tw"
)

// DefaultWidth is the width, in terminal columns, that the table fits by
// default.
const DefaultWidth = 80

// TableOptions say how WriteTableWith lays the table out.
type TableOptions struct {
	// Width is the number of terminal columns the table fits; 0 means
	// DefaultWidth. Long sample names are shortened in the middle, and
	// the lines below a row are wrapped, to stay within it.
	Width int
	// Wide keeps one line per sample with nothing shortened: a box table
	// whose last column holds the top deviations (a profile model's first
	// findings).
	Wide bool
	// Explain prints every finding's evidence: the matching system calls
	// with pid and time, and the process with its executable, argv and
	// parent chain.
	Explain bool
}

// WriteTable renders rows as a table fitting s.Width columns
// (DefaultWidth when 0), or wide when s.Wide, followed by the summary
// (see WriteTableWith).
func WriteTable(w io.Writer, rows []Row, s Summary) error {
	return WriteTableWith(w, rows, s, TableOptions{Width: s.Width, Wide: s.Wide, Explain: s.Explain})
}

// WriteTableWith renders rows as a table followed by the summary block
// (see WriteSummary).
//
// The default layout fits o.Width columns: one line per sample with the
// columns SAMPLE, SEVERITY (the one answer: the highest of the rules' and
// the model's findings, combined), SCORE, CONF, RARITY and FINDINGS, then
// indented lines with the findings a narrow column could not name, the
// run's notes (timed out, truncated ...) and the model's evidence (the
// top deviations of the ten statistics, or a profile model's first
// findings, one a line; see modelLines), or the
// error of a sample that could not be judged. SAMPLE shows Row.Label (or
// Sample) whole when the width allows, else cut from the left at a
// folder, never inside the file name; a name too long even so gets a line
// of its own above its row. SAMPLE and FINDINGS grow with the width.
// o.Wide gives a box table of one line per sample instead. Every string
// from outside the tool (sample names, error messages, feature names,
// findings and the model's strings) is passed through Escape, so the
// table carries no terminal escape sequence and no row is split by a
// name.
func WriteTableWith(w io.Writer, rows []Row, s Summary, o TableOptions) error {
	if o.Width <= 0 {
		o.Width = DefaultWidth
	}
	var err error
	if o.Wide {
		err = writeWide(w, rows, o)
	} else {
		err = writeNarrow(w, rows, o)
	}
	if err != nil {
		return err
	}
	width := o.Width
	if o.Wide {
		width = 0
	}
	return WriteSummary(w, rows, s, width)
}

// Cells shared by both layouts.

func scoreCell(r Row) string {
	if r.Verdict == Error {
		return ""
	}
	return fmt.Sprintf("%+.4f", r.Score)
}

func confCell(r Row) string {
	if r.Verdict == Error {
		return ""
	}
	return fmt.Sprintf("%.2f", r.Confidence)
}

// RarityText writes a rarity for people: "0" when no training sample
// scored as low, "<0.01" when under 1%, else two decimals.
func RarityText(v float64) string {
	switch {
	case v == 0:
		return "0"
	case v < 0.01:
		return "<0.01"
	}
	return fmt.Sprintf("%.2f", v)
}

func rarityCell(r Row) string {
	if r.Verdict == Error {
		return ""
	}
	return RarityText(r.Rarity)
}

func severityCell(r Row) string {
	if r.Verdict == Error {
		return ""
	}
	return severity(r)
}

// findingsCell names a row's findings in at most cols columns (0: all).
func findingsCell(r Row, cols int) string {
	return fitFindings(r.Findings, cols)
}

func deviationsText(r Row) string {
	var ds []string
	for _, d := range top(r.Deviations) {
		ds = append(ds, Escape(FormatDeviation(d)))
	}
	return strings.Join(ds, ", ")
}

// ProfilePrefix begins the rule ids of the findings by which a model
// explains itself (the profile detector's deviations from its profiles).
const ProfilePrefix = "profile-"

// ModelFindings returns the findings of r by which its model explains
// itself (rule ids beginning with ProfilePrefix), in the row's order.
func ModelFindings(r Row) []Finding {
	var out []Finding
	for _, f := range r.Findings {
		if strings.HasPrefix(f.Rule, ProfilePrefix) {
			out = append(out, f)
		}
	}
	return out
}

// modelLines is what the table shows below a row for its model: the
// messages of its first TopDeviations own findings for a model that
// explains itself by findings (a profile model, Row.OwnFindings: the ten
// statistics' deviations say nothing of what a program touched), nothing
// when it has none, else the top deviations of the ten statistics on one
// line.
func modelLines(r Row) []string {
	own := ModelFindings(r)
	if len(own) == 0 && r.OwnFindings {
		return nil
	}
	if len(own) == 0 {
		if d := deviationsText(r); d != "" {
			return []string{d}
		}
		return nil
	}
	var out []string
	for _, f := range own[:min(len(own), TopDeviations)] {
		out = append(out, Escape(f.Severity)+" "+Escape(f.Message))
	}
	if n := len(own) - TopDeviations; n > 0 {
		out[len(out)-1] += fmt.Sprintf(" (%d more profile %s)", n, plural(n, "finding", "findings"))
	}
	return out
}

func hasRunNote(r Row) bool {
	return r.Run != nil && (r.Run.TimedOut || r.Run.Truncated || r.Run.MemoryLimited || len(r.Run.Evasion) > 0 || r.Run.Lost > 0)
}

// sampleCell is a row's name for the narrow table, escaped, and whether
// it is a path (cut from the left) rather than a command line or a row
// name (cut at the end).
func sampleCell(r Row) (string, bool) {
	if r.Label != "" {
		return Escape(r.Label), true
	}
	return Escape(r.Sample), false
}

// fitSample fits a sample's name into cols columns: a path loses its
// first folders ("…/suspicious/a.sh"), never its file name; other names
// lose their end. ok is false when even the file name does not fit.
func fitSample(name string, path bool, cols int) (string, bool) {
	if width(name) <= cols {
		return name, true
	}
	if !path {
		return shortenEnd(name, cols), cols >= minShort
	}
	for i := 0; i < len(name); i++ {
		if name[i] == '/' && width(name[i:])+1 <= cols {
			return "…" + name[i:], true
		}
	}
	return name, false
}

// writeNarrow writes the layout that fits o.Width columns.
func writeNarrow(w io.Writer, rows []Row, o TableOptions) error {
	head := []string{"SAMPLE", "SEVERITY", "SCORE", "CONF", "RARITY", "FINDINGS"}
	// The gap after each column but the last: the numbers, aligned right,
	// need only one space between them.
	gaps := []int{2, 2, 1, 1, 2}
	cells := make([][]string, len(rows))
	widths := make([]int, len(head))
	for j, h := range head {
		widths[j] = width(h)
	}
	for i, r := range rows {
		score, sev := "", "error"
		if r.Verdict != Error {
			score, sev = fmt.Sprintf("%+.3f", r.Score), severity(r)
		}
		name, _ := sampleCell(r)
		cells[i] = []string{name, sev, score, confCell(r), rarityCell(r), findingsCell(r, 0)}
		for j, c := range cells[i] {
			widths[j] = max(widths[j], width(c))
		}
	}
	// The middle columns keep their width; SAMPLE and FINDINGS share what
	// is left: SAMPLE its longest name if FINDINGS keeps room for a rule
	// id or two ("exec-memfd +2"), FINDINGS the rest.
	fixed := 0
	for j, g := range gaps {
		if j > 0 {
			fixed += widths[j]
		}
		fixed += g
	}
	room := max(o.Width-fixed, 2*minShort)
	findNeed := max(width(head[5]), min(widths[5], findingsRoom))
	widths[0] = max(min(widths[0], room-findNeed), width(head[0]))
	findW := max(room-widths[0], width(head[5]))

	line := func(c []string) string {
		var b strings.Builder
		for j, v := range c {
			if j == len(c)-1 {
				b.WriteString(v)
				break
			}
			pad := strings.Repeat(" ", max(widths[j]-width(v), 0))
			if j >= 2 && j <= 4 { // numbers align right
				b.WriteString(pad + v)
			} else {
				b.WriteString(v + pad)
			}
			b.WriteString(strings.Repeat(" ", gaps[j]))
		}
		return strings.TrimRight(b.String(), " ") + "\n"
	}
	if _, err := io.WriteString(w, line(head)); err != nil {
		return err
	}
	for i, r := range rows {
		var out string
		name, path := sampleCell(r)
		if fit, ok := fitSample(name, path, widths[0]); ok {
			cells[i][0] = fit
		} else {
			// Too long even for its file name alone: the name whole on a
			// line of its own, the row below it.
			out = wrap(name, "", "  ", o.Width)
			cells[i][0] = ""
		}
		var below []string
		// A findings cell too long for its column names what fits, and
		// the whole list goes below the row.
		if cell := findingsCell(r, findW); cell != cells[i][5] {
			cells[i][5] = cell
			var ids []string
			for _, f := range r.Findings {
				ids = append(ids, Escape(f.Rule))
			}
			below = append(below, "findings: "+strings.Join(ids, ", "))
		}
		out += line(cells[i])
		if r.Verdict == Error {
			below = append(below, Escape(oneLine(r.Err)))
		} else {
			var lines []string
			if !o.Explain || len(ModelFindings(r)) == 0 {
				// --explain gives every finding's message below.
				lines = modelLines(r)
			}
			if hasRunNote(r) {
				note := "(" + Escape(runNote(r.Run)) + ")"
				if len(lines) == 0 {
					lines = []string{note}
				} else {
					lines[0] = note + " " + lines[0]
				}
			}
			below = append(below, lines...)
		}
		for _, l := range below {
			out += wrap(l, "  ", "    ", o.Width)
		}
		if o.Explain {
			out += explain(r, "  ", o.Width)
		}
		if _, err := io.WriteString(w, out); err != nil {
			return err
		}
	}
	return nil
}

// fitFindings writes findings' rule ids in at most cols columns (0: no
// limit): as many as fit, then how many more ("exec-memfd, listen +3"),
// else the count alone ("5 rules").
func fitFindings(f []Finding, cols int) string {
	ids := make([]string, len(f))
	for i, x := range f {
		ids[i] = Escape(x.Rule)
	}
	for k := len(f); k >= 1; k-- {
		s := strings.Join(ids[:k], ", ")
		if k < len(f) {
			s += " +" + strconv.Itoa(len(f)-k)
		}
		if cols <= 0 || width(s) <= cols {
			return s
		}
	}
	if len(f) == 0 {
		return ""
	}
	return shortenEnd(strconv.Itoa(len(f))+" "+plural(len(f), "rule", "rules"), cols)
}

// writeWide writes one line per sample in a box table, nothing shortened.
func writeWide(w io.Writer, rows []Row, o TableOptions) error {
	t := tablewriter.NewTable(w,
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithRowAlignmentConfig(tw.CellAlignment{PerColumn: []tw.Align{
			tw.AlignLeft, tw.AlignLeft, tw.AlignRight, tw.AlignRight, tw.AlignRight, tw.AlignLeft, tw.AlignLeft,
		}}),
		tablewriter.WithRowAutoWrap(tw.WrapNone),
	)
	t.Header([]string{"SAMPLE", "SEVERITY", "SCORE", "CONFIDENCE", "RARITY", "FINDINGS", "TOP DEVIATIONS"})
	for _, r := range rows {
		cells := []string{Escape(r.Sample), severityCell(r), scoreCell(r), confCell(r), rarityCell(r), findingsCell(r, 0), ""}
		if r.Verdict == Error {
			cells[1], cells[6] = "error", Escape(oneLine(r.Err))
		} else {
			cells[6] = strings.Join(modelLines(r), "; ")
			if hasRunNote(r) {
				cells[1] += " (" + Escape(runNote(r.Run)) + ")"
			}
		}
		if err := t.Append(cells); err != nil {
			return err
		}
	}
	if err := t.Render(); err != nil {
		return err
	}
	if !o.Explain {
		return nil
	}
	for _, r := range rows {
		if len(r.Findings) == 0 {
			continue
		}
		if _, err := fmt.Fprintf(w, "\n%s:\n%s", Escape(r.Sample), explain(r, "  ", 0)); err != nil {
			return err
		}
	}
	return nil
}

// explain writes every finding of r with its process and evidence,
// indented by indent and wrapped to width columns (0: not wrapped). An
// evidence line names its pid (when the trace has one), its time from the
// sample's first event ("+0.412s") when the trace has times, and the call.
func explain(r Row, indent string, cols int) string {
	var b strings.Builder
	for _, f := range r.Findings {
		head := fmt.Sprintf("%s %s, %d %s", Escape(f.Rule), Escape(f.Severity), f.Count, plural(f.Count, "match", "matches"))
		sep := ": "
		if f.Message != "" {
			head += ": " + Escape(f.Message)
			sep = "; "
		}
		if p := f.Process; p != nil {
			head += fmt.Sprintf("%spid %d (parent %d) %s", sep, p.PID, p.PPID, Escape(p.Exe))
			if p.Executed != "" {
				head += " (runs " + Escape(p.Executed) + ")"
			}
			if len(p.Argv) > 0 {
				head += " argv " + argvText(p.Argv)
			}
			if len(p.Chain) > 0 {
				var ch []string
				for _, c := range p.Chain {
					ch = append(ch, Escape(c))
				}
				head += ", chain " + strings.Join(ch, " < ")
			}
		}
		b.WriteString(wrap(head, indent, indent+"    ", cols))
		for _, e := range f.Evidence {
			b.WriteString(wrap(evidenceText(e, r), indent+"  ", indent+"      ", cols))
		}
	}
	return b.String()
}

// evidenceText writes one evidence line: "pid 12 at +0.412s: dup2(3, 1) = 1".
func evidenceText(e Evidence, r Row) string {
	var at []string
	if e.PID > 0 {
		at = append(at, "pid "+strconv.Itoa(e.PID))
	}
	if e.HasTime && r.HasStart {
		at = append(at, "at "+RelativeTime(e.Time-r.Start))
	}
	text := Escape(e.Syscall)
	if e.Rule != "" {
		text = Escape(e.Rule) + ": " + text
	}
	if e.AsGiven != "" {
		text += " (resolves to " + Escape(e.Path) + ")"
	}
	if len(at) == 0 {
		return text
	}
	return strings.Join(at, " ") + ": " + text
}

// RelativeTime writes a time from a sample's start: "+0.412s".
func RelativeTime(d time.Duration) string {
	return fmt.Sprintf("%+.3fs", d.Seconds())
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// argvText writes an argument vector as a shell would read it: an
// argument that is empty, holds a space or a quote, or anything Escape
// quotes, is Go-quoted.
func argvText(argv []string) string {
	out := make([]string, len(argv))
	for i, a := range argv {
		if e := Escape(a); e != a || a == "" || strings.ContainsAny(a, " '\\") {
			out[i] = strconv.Quote(a)
		} else {
			out[i] = a
		}
	}
	return "[" + strings.Join(out, " ") + "]"
}

// width is the number of terminal columns s takes.
func width(s string) int { return runewidth.StringWidth(s) }

// findingsRoom is the width FINDINGS keeps when the names need it.
const findingsRoom = 13

// minShort is the narrowest a shortened cell gets.
const minShort = 12

// ShortenMiddle fits s into cols terminal columns by replacing its middle
// with "…", keeping a third of the room for the start and the rest for
// the end (where a path has its file name). s is returned as it is when
// it fits.
func ShortenMiddle(s string, cols int) string {
	if width(s) <= cols {
		return s
	}
	cols = max(cols, 3)
	room := cols - 1
	headW := room / 3
	rs := []rune(s)
	var head []rune
	hw := 0
	for _, r := range rs {
		rw := runewidth.RuneWidth(r)
		if hw+rw > headW {
			break
		}
		head = append(head, r)
		hw += rw
	}
	tailW := room - hw
	start := len(rs)
	for tw := 0; start > len(head); start-- {
		rw := runewidth.RuneWidth(rs[start-1])
		if tw+rw > tailW {
			break
		}
		tw += rw
	}
	tail := rs[start:]
	return string(head) + "…" + string(tail)
}

// shortenEnd fits s into cols columns by cutting its end, marked "…".
func shortenEnd(s string, cols int) string {
	if width(s) <= cols {
		return s
	}
	return runewidth.Truncate(s, max(cols, 1), "…")
}

// Wrap breaks s into lines of at most cols terminal columns (0: no
// limit), the first starting with first, the others with rest, breaking
// at spaces where it can. It does not escape s.
func Wrap(s, first, rest string, cols int) string { return wrap(s, first, rest, cols) }

// wrap breaks s into lines of at most cols terminal columns (0: no
// limit), the first starting with first, the others with rest; it breaks
// at spaces where it can and inside a word where it must.
func wrap(s, first, rest string, cols int) string {
	if cols <= 0 {
		return first + s + "\n"
	}
	var b strings.Builder
	prefix := first
	for s != "" {
		room := max(cols-width(prefix), minShort)
		if width(s) <= room {
			b.WriteString(prefix + s + "\n")
			break
		}
		cut := runewidth.Truncate(s, room, "")
		if i := strings.LastIndexByte(cut, ' '); i > 0 {
			cut = cut[:i]
		}
		if cut == "" { // a single rune wider than the room
			_, n := utf8.DecodeRuneInString(s)
			cut = s[:n]
		}
		b.WriteString(prefix + strings.TrimRight(cut, " ") + "\n")
		s = strings.TrimLeft(s[len(cut):], " ")
		prefix = rest
	}
	return b.String()
}

func runNote(r *RunInfo) string {
	var n []string
	if r.TimedOut {
		n = append(n, "timed out")
	}
	if r.Truncated {
		n = append(n, "trace truncated")
	}
	if r.MemoryLimited {
		n = append(n, "memory bound hit")
	}
	if len(r.Evasion) > 0 {
		n = append(n, "tried to evade the tracer: "+strings.Join(r.Evasion, "; "))
	}
	if r.Lost > 0 {
		n = append(n, "incomplete: "+strconv.FormatUint(r.Lost, 10)+" events lost")
	}
	return strings.Join(n, ", ")
}

// oneLine keeps the first line of s, so a cell never breaks the table.
func oneLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i] + " ..."
	}
	return s
}
