package report

import (
	"fmt"
	"io"
	"strconv"
	"strings"
)

// WriteSummary writes the summary block that ends a table report, as
// clamscan ends a scan. It opens with how many samples need attention (a
// severity of INFO or more), by severity, then how many were scanned, how
// many the model alone finds anomalous, how many could not be judged,
// the threshold when it is not the model's own (0), the elapsed time and
// the model. Lines are wrapped to cols columns (0: not wrapped).
func WriteSummary(w io.Writer, rows []Row, s Summary, cols int) error {
	anom, errs := Counts(rows)
	bySev := map[string]int{}
	attention := 0
	for _, r := range rows {
		if r.Verdict == Error {
			continue
		}
		sev := severity(r)
		bySev[sev]++
		if SeverityRank(sev) > 0 {
			attention++
		}
	}
	var sev []string
	for _, n := range []string{SeverityAlert, SeverityWarning, SeverityInfo} {
		sev = append(sev, n+" "+strconv.Itoa(bySev[n]))
	}
	const indent = "           "
	lines := [][2]string{
		{"Attention:", fmt.Sprintf("%d of %d %s: %s", attention, len(rows), plural(len(rows), "sample", "samples"), strings.Join(sev, ", "))},
		{"Scanned:", fmt.Sprintf("%d %s, %d with nothing found (NONE)", len(rows), plural(len(rows), "sample", "samples"), bySev[SeverityNone])},
		{"Anomalous:", fmt.Sprintf("%d by the model (its model-anomaly finding)", anom)},
		{"Errors:", strconv.Itoa(errs)},
	}
	if s.Threshold != 0 {
		lines = append(lines, [2]string{"Threshold:", strconv.FormatFloat(s.Threshold, 'g', -1, 64) +
			" (a score below it is anomalous; the model's own is 0)"})
	}
	lines = append(lines,
		[2]string{"Time:", fmt.Sprintf("%.1f s", s.Elapsed.Seconds())},
		[2]string{"Model:", modelLine(s)})
	var b strings.Builder
	b.WriteString("----------- SUMMARY -----------\n")
	for _, l := range lines {
		b.WriteString(wrap(l[1], fmt.Sprintf("%-11s", l[0]), indent, cols))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// modelLine describes the model: "Local Outlier Factor (neighbors=20,
// contamination=auto), trained on 28 samples on 2026-11-21 20:22 UTC".
func modelLine(s Summary) string {
	var b strings.Builder
	b.WriteString(Escape(s.Algorithm))
	if s.Params != "" {
		fmt.Fprintf(&b, " (%s)", Escape(s.Params))
	}
	fmt.Fprintf(&b, ", trained on %d samples on %s", s.TrainSamples, s.Trained.UTC().Format("2006-01-02 15:04 MST"))
	return b.String()
}
