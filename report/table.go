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
			tw.AlignLeft, tw.AlignLeft, tw.AlignRight, tw.AlignRight, tw.AlignLeft, tw.AlignLeft, tw.AlignLeft,
		}}),
		tablewriter.WithRowAutoWrap(tw.WrapNone),
	)
	t.Header([]string{"SAMPLE", "VERDICT", "SCORE", "CONFIDENCE", "SEVERITY", "FINDINGS", "TOP DEVIATIONS"})
	for _, r := range rows {
		cells := []string{Escape(r.Sample), r.Verdict, "", "", severity(r), Escape(FindingsText(r.Findings)), ""}
		if r.Verdict == Error {
			cells[6] = Escape(oneLine(r.Err))
		} else {
			cells[2] = fmt.Sprintf("%+.4f", r.Score)
			cells[3] = fmt.Sprintf("%.2f", r.Confidence)
			var ds []string
			for _, d := range top(r.Deviations) {
				ds = append(ds, Escape(FormatDeviation(d)))
			}
			cells[6] = strings.Join(ds, ", ")
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
	if s.Explain {
		writeEvidence(w, rows)
	}
	_, err := fmt.Fprintln(w, summaryLine(rows, s))
	return err
}

// writeEvidence prints, for every row with findings, each finding's
// message, process and evidence calls (the --explain view).
func writeEvidence(w io.Writer, rows []Row) {
	for _, r := range rows {
		if len(r.Findings) == 0 {
			continue
		}
		fmt.Fprintf(w, "\n%s  %s\n", Escape(r.Sample), severity(r))
		for _, f := range r.Findings {
			fmt.Fprintf(w, "  %s %s x%d", Escape(f.Rule), f.Severity, f.Count)
			if f.Message != "" {
				fmt.Fprintf(w, ": %s", Escape(f.Message))
			}
			fmt.Fprintln(w)
			if p := f.Process; p != nil {
				fmt.Fprintf(w, "    process %d (parent %d) %s", p.PID, p.PPID, Escape(p.Exe))
				if len(p.Argv) > 0 {
					fmt.Fprintf(w, " argv %s", Escape(strings.Join(p.Argv, " ")))
				}
				if len(p.Chain) > 0 {
					fmt.Fprintf(w, " chain %s", Escape(strings.Join(p.Chain, " < ")))
				}
				fmt.Fprintln(w)
			}
			for _, e := range f.Evidence {
				t := "-"
				if e.HasTime {
					t = fmt.Sprintf("%.6f", e.Time.Seconds())
				}
				fmt.Fprintf(w, "    %d %s %s\n", e.PID, t, Escape(e.Syscall))
			}
		}
	}
	fmt.Fprintln(w)
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
	if sev := severityCounts(rows); sev != "" {
		fmt.Fprintf(&b, " (%s)", sev)
	}
	if errs > 0 {
		fmt.Fprintf(&b, ", %d not judged (errors)", errs)
	}
	if s.Threshold != 0 {
		fmt.Fprintf(&b, "; threshold %s (a score below it is anomalous)", formatFloat(s.Threshold))
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

// severityCounts writes how many rows reached each severity above NONE,
// highest first: "2 ALERT, 1 WARNING".
func severityCounts(rows []Row) string {
	n := map[string]int{}
	for _, r := range rows {
		n[severity(r)]++
	}
	var parts []string
	for _, sev := range []string{SeverityAlert, SeverityWarning, SeverityInfo} {
		if n[sev] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n[sev], sev))
		}
	}
	return strings.Join(parts, ", ")
}
