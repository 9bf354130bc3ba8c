package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/tw"
)

// WriteTable renders rows as a table followed by a summary line. Every
// string from outside the tool (sample names, error messages, feature
// names and the model's strings) is passed through Escape, so the table
// has one line per row and carries no terminal escape sequence.
func WriteTable(w io.Writer, rows []Row, s Summary) error {
	t := tablewriter.NewTable(w,
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithRowAlignmentConfig(tw.CellAlignment{PerColumn: []tw.Align{
			tw.AlignLeft, tw.AlignLeft, tw.AlignRight, tw.AlignRight, tw.AlignLeft,
		}}),
		tablewriter.WithRowAutoWrap(tw.WrapNone),
	)
	t.Header([]string{"SAMPLE", "VERDICT", "SCORE", "CONFIDENCE", "TOP DEVIATIONS"})
	for _, r := range rows {
		cells := []string{Escape(r.Sample), r.Verdict, "", "", ""}
		if r.Verdict == Error {
			cells[4] = Escape(oneLine(r.Err))
		} else {
			cells[2] = fmt.Sprintf("%+.4f", r.Score)
			cells[3] = fmt.Sprintf("%.2f", r.Confidence)
			var ds []string
			for _, d := range top(r.Deviations) {
				ds = append(ds, Escape(FormatDeviation(d)))
			}
			cells[4] = strings.Join(ds, ", ")
			if r.Run != nil && (r.Run.TimedOut || r.Run.Truncated || r.Run.MemoryLimited || len(r.Run.Evasion) > 0) {
				cells[1] += " (" + runNote(r.Run) + ")"
			}
		}
		if err := t.Append(cells); err != nil {
			return err
		}
	}
	if err := t.Render(); err != nil {
		return err
	}
	_, err := fmt.Fprintln(w, summaryLine(rows, s))
	return err
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
	return strings.Join(n, ", ")
}

func summaryLine(rows []Row, s Summary) string {
	anom, errs := Counts(rows)
	var b strings.Builder
	fmt.Fprintf(&b, "%d of %d samples anomalous", anom, len(rows))
	if errs > 0 {
		fmt.Fprintf(&b, ", %d not judged (errors)", errs)
	}
	fmt.Fprintf(&b, "; model: %s", Escape(s.Algorithm))
	if s.Params != "" {
		fmt.Fprintf(&b, " (%s)", Escape(s.Params))
	}
	fmt.Fprintf(&b, ", trained on %d samples on %s", s.TrainSamples, s.Trained.UTC().Format("2006-01-02 15:04 MST"))
	return b.String()
}

// oneLine keeps the first line of s, so a cell never breaks the table.
func oneLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i] + " ..."
	}
	return s
}
