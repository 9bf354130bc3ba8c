package report

import (
	"fmt"
	"io"
	"strconv"
	"strings"
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
	// whose last column holds the top deviations.
	Wide bool
	// Explain prints every finding's evidence: the matching system calls
	// with pid and time, and the process with its executable, argv and
	// parent chain.
	Explain bool
}

// WriteTable renders rows as a table fitting DefaultWidth columns (or
// wide, when s.Wide), followed by the summary (see WriteTableWith).
func WriteTable(w io.Writer, rows []Row, s Summary) error {
	return WriteTableWith(w, rows, s, TableOptions{Wide: s.Wide, Explain: s.Explain})
}

// WriteTableWith renders rows as a table followed by the summary block
// (see WriteSummary).
//
// The default layout fits o.Width columns: one line per sample with the
// columns SAMPLE (shortened in the middle with "…" when long), VERDICT,
// SCORE, CONF, RARITY, SEVERITY and FINDINGS, then an indented line with
// the run's notes (timed out, truncated ...) and the top deviations, or the
// error of a sample that could not be judged. o.Wide gives a box table of
// one line per sample instead. Every string from outside the tool (sample
// names, error messages, feature names, findings and the model's strings)
// is passed through Escape, so the table carries no terminal escape
// sequence and no row is split by a name.
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

func findingsCell(r Row) string {
	return Escape(FindingsText(r.Findings))
}

func deviationsText(r Row) string {
	var ds []string
	for _, d := range top(r.Deviations) {
		ds = append(ds, Escape(FormatDeviation(d)))
	}
	return strings.Join(ds, ", ")
}

func hasRunNote(r Row) bool {
	return r.Run != nil && (r.Run.TimedOut || r.Run.Truncated || r.Run.MemoryLimited || len(r.Run.Evasion) > 0 || r.Run.Lost > 0)
}

// writeNarrow writes the layout that fits o.Width columns.
func writeNarrow(w io.Writer, rows []Row, o TableOptions) error {
	head := []string{"SAMPLE", "VERDICT", "SCORE", "CONF", "RARITY", "SEVERITY", "FINDINGS"}
	// The gap after each column but the last: the numbers, aligned right,
	// need only one space between them.
	gaps := []int{2, 2, 1, 1, 2, 2}
	cells := make([][]string, len(rows))
	widths := make([]int, len(head))
	for j, h := range head {
		widths[j] = width(h)
	}
	for i, r := range rows {
		score := ""
		if r.Verdict != Error {
			score = fmt.Sprintf("%+.3f", r.Score)
		}
		cells[i] = []string{Escape(r.Sample), r.Verdict, score, confCell(r), rarityCell(r), severityCell(r), findingsCell(r)}
		for j, c := range cells[i] {
			widths[j] = max(widths[j], width(c))
		}
	}
	// The middle columns keep their width; SAMPLE and FINDINGS share what
	// is left, SAMPLE at least two thirds of it unless FINDINGS fits
	// beside it whole.
	fixed := 0
	for j, g := range gaps {
		if j > 0 {
			fixed += widths[j]
		}
		fixed += g
	}
	// FINDINGS keeps room for a rule id or two ("exec-memfd +2"); a longer
	// list is shortened to fit ("4 rules") and given whole below the row.
	// SAMPLE takes the rest of the line.
	findNeed := max(width(head[6]), min(widths[6], findingsRoom))
	room := max(o.Width-fixed, 2*minShort)
	widths[0] = max(min(widths[0], max(room-findNeed, room/2)), width(head[0]))
	findW := max(room-widths[0], width(head[6]))

	line := func(c []string) string {
		var b strings.Builder
		for j, v := range c {
			if j == len(c)-1 {
				b.WriteString(v)
				break
			}
			if j == 0 {
				v = ShortenMiddle(v, widths[0])
			}
			pad := strings.Repeat(" ", widths[j]-width(v))
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
		var below []string
		// A findings cell too long for its column is abbreviated, and the
		// whole list goes below the row.
		if cell := cells[i][6]; width(cell) > findW || len(r.Findings) > findingsShown {
			cells[i][6] = fitFindings(r.Findings, findW)
			var ids []string
			for _, f := range r.Findings {
				ids = append(ids, Escape(f.Rule))
			}
			below = append(below, "findings: "+strings.Join(ids, ", "))
		}
		out := line(cells[i])
		if r.Verdict == Error {
			below = append(below, Escape(oneLine(r.Err)))
		} else {
			d := deviationsText(r)
			if hasRunNote(r) {
				d = strings.TrimSpace("(" + Escape(runNote(r.Run)) + ") " + d)
			}
			if d != "" {
				below = append(below, d)
			}
		}
		for _, l := range below {
			out += wrap(l, "  ", "    ", o.Width)
		}
		if o.Explain {
			out += explain(r.Findings, "  ", o.Width)
		}
		if _, err := io.WriteString(w, out); err != nil {
			return err
		}
	}
	return nil
}

// fitFindings writes findings in at most cols columns: as FindingsText
// does if that fits, else the first rule and how many more, else that
// count alone.
func fitFindings(f []Finding, cols int) string {
	if s := Escape(FindingsText(f)); width(s) <= cols {
		return s
	}
	if s := Escape(f[0].Rule) + " +" + strconv.Itoa(len(f)-1); len(f) > 1 && width(s) <= cols {
		return s
	}
	return shortenEnd(strconv.Itoa(len(f))+" "+plural(len(f), "rule", "rules"), cols)
}

// writeWide writes one line per sample in a box table, nothing shortened.
func writeWide(w io.Writer, rows []Row, o TableOptions) error {
	t := tablewriter.NewTable(w,
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithRowAlignmentConfig(tw.CellAlignment{PerColumn: []tw.Align{
			tw.AlignLeft, tw.AlignLeft, tw.AlignRight, tw.AlignRight, tw.AlignRight, tw.AlignLeft, tw.AlignLeft, tw.AlignLeft,
		}}),
		tablewriter.WithRowAutoWrap(tw.WrapNone),
	)
	t.Header([]string{"SAMPLE", "VERDICT", "SCORE", "CONFIDENCE", "RARITY", "SEVERITY", "FINDINGS", "TOP DEVIATIONS"})
	for _, r := range rows {
		cells := []string{Escape(r.Sample), r.Verdict, scoreCell(r), confCell(r), rarityCell(r), severityCell(r), findingsCell(r), ""}
		if r.Verdict == Error {
			cells[7] = Escape(oneLine(r.Err))
		} else {
			cells[7] = deviationsText(r)
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
		if _, err := fmt.Fprintf(w, "\n%s:\n%s", Escape(r.Sample), explain(r.Findings, "  ", 0)); err != nil {
			return err
		}
	}
	return nil
}

// explain writes every finding with its process and evidence, indented by
// indent and wrapped to width columns (0: not wrapped).
func explain(fs []Finding, indent string, cols int) string {
	var b strings.Builder
	for _, f := range fs {
		head := fmt.Sprintf("%s %s, %d %s", Escape(f.Rule), Escape(f.Severity), f.Count, plural(f.Count, "match", "matches"))
		sep := ": "
		if f.Message != "" {
			head += ": " + Escape(f.Message)
			sep = "; "
		}
		if p := f.Process; p != nil {
			head += fmt.Sprintf("%spid %d (parent %d) %s", sep, p.PID, p.PPID, Escape(p.Exe))
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
			at := "-"
			if e.HasTime {
				at = strconv.FormatFloat(e.Time.Seconds(), 'f', 6, 64) + "s"
			}
			ev := fmt.Sprintf("pid %d at %s: %s", e.PID, at, Escape(e.Syscall))
			if e.AsGiven != "" {
				ev += " (resolves to " + Escape(e.Path) + ")"
			}
			b.WriteString(wrap(ev, indent+"  ", indent+"      ", cols))
		}
	}
	return b.String()
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
		n = append(n, strconv.FormatUint(r.Lost, 10)+" events lost")
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
