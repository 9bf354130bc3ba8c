package report

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"

	"detector/model"
)

// WriteModel writes what the model at path holds, for people: its format,
// algorithm and parameters, training set, the distribution of the training
// scores, the training diagnostics (how many training samples the model
// flags, the worst of them, warnings about the set) and the scaler of
// every feature. Every string from the model
// file is escaped (Escape): a crafted model cannot drive the terminal.
func WriteModel(w io.Writer, path string, m *model.Model) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "model\t%s\n", Escape(path))
	fmt.Fprintf(tw, "format\t%d (detector %s)\n", model.FormatVersion, Escape(m.ToolVersion))
	fmt.Fprintf(tw, "created\t%s\n", m.Created.UTC().Format("2006-01-02 15:04:05 MST"))
	fmt.Fprintf(tw, "algorithm\t%s (%s)\n", Escape(m.Algorithm), m.Spec().Title)
	params := m.Parameters()
	for _, k := range slices.Sorted(maps.Keys(params)) {
		fmt.Fprintf(tw, "  %s\t%s\n", Escape(k), Escape(params[k]))
	}
	fmt.Fprintf(tw, "training samples\t%d (input %s)\n", m.Samples, Escape(m.Input))
	if o := m.Origin; o != nil {
		fmt.Fprintf(tw, "origin\tlearned on host %s with the %s source, %s from %s (monitor --learn)\n",
			Escape(o.Host), Escape(o.Source), o.Duration, o.Start.UTC().Format("2006-01-02 15:04:05 UTC"))
	}
	if m.TraceOptions != "" {
		if m.TraceOptions == "ebpf" {
			fmt.Fprintf(tw, "tracer\tebpf (calls counted in the kernel)\n")
		} else {
			fmt.Fprintf(tw, "trace options\tstrace %s\n", Escape(m.TraceOptions))
		}
	}
	s := m.TrainScores
	q := func(p float64) float64 { return s[int(p*float64(len(s)-1)+0.5)] }
	fmt.Fprintf(tw, "training scores\tmin %.4f  q1 %.4f  median %.4f  q3 %.4f  max %.4f\n", s[0], q(0.25), q(0.5), q(0.75), s[len(s)-1])
	fmt.Fprintf(tw, "confidence margin\t%.4f (confidence = 1 - exp(-3 |score| / margin))\n", m.Margin())
	fmt.Fprintf(tw, "self-check\t%s\n", Escape(m.FlaggedText()))
	if m.Diagnostics == nil {
		fmt.Fprintf(tw, "\t(this model does not name its training samples)\n")
	}
	for _, w := range m.Warnings() {
		fmt.Fprintf(tw, "warning\t%s\n", Escape(w))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nfeatures (%d) and scaler:\n", m.Dim())
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "feature\tmean\tstd\t")
	fmt.Fprintln(tw, strings.Repeat("-", 15)+"\t"+strings.Repeat("-", 12)+"\t"+strings.Repeat("-", 12)+"\t")
	for j, n := range m.FeatureNames {
		fmt.Fprintf(tw, "%s\t%.6g\t%.6g\t\n", Escape(n), m.Scaler.Mean[j], m.Scaler.Scale[j])
	}
	return tw.Flush()
}
