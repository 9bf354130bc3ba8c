package model

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// Diagnostics describe the training set as the fitted model sees it, for
// `train` to print and `inspect` to show: which training samples the
// model itself scores lowest, duplicate feature rows and runs that timed
// out or were truncated. How many training samples the model flags
// (score < 0) follows from TrainScores (see Flagged).
type Diagnostics struct {
	// Worst names the training samples with the lowest scores, lowest
	// first, at most MaxDiagnosticNames: Worst[i] scored TrainScores[i].
	Worst []string
	// Duplicates counts the training rows equal to an earlier row;
	// DuplicateNames names the first of them, each as "NAME = EARLIER".
	Duplicates     int
	DuplicateNames []string
	// TimedOut and Truncated count the executed samples whose run timed
	// out or whose trace was truncated; the names are the first of them.
	TimedOut       int
	TimedOutNames  []string
	Truncated      int
	TruncatedNames []string
}

// MaxDiagnosticNames bounds each list of names in Diagnostics.
const MaxDiagnosticNames = 5

// MaxSampleName bounds a sample name kept in Diagnostics, in bytes; a
// longer one is cut (the model file bounds what it stores).
const MaxSampleName = 4096

// FewSamples is the training set size below which Warnings warns.
const FewSamples = 10

// SampleInfo is what Train keeps of a training sample for the
// diagnostics: its name and whether its run was cut short.
type SampleInfo struct {
	Name      string
	TimedOut  bool
	Truncated bool
}

// Flagged is how many training samples the model itself scores as
// anomalous (score < 0).
func (m *Model) Flagged() int {
	n, _ := slices.BinarySearch(m.TrainScores, 0)
	return n
}

// diagnose computes the diagnostics of rows (raw vectors) whose training
// scores, in row order, are scores.
func diagnose(rows [][]float64, scores []float64, info []SampleInfo) *Diagnostics {
	d := &Diagnostics{}
	name := func(i int) string { return cutName(info[i].Name) }
	order := make([]int, len(rows))
	for i := range order {
		order[i] = i
	}
	// Stable, so that ties keep the training order.
	slices.SortStableFunc(order, func(a, b int) int {
		switch {
		case scores[a] < scores[b]:
			return -1
		case scores[a] > scores[b]:
			return 1
		}
		return 0
	})
	for _, i := range order[:min(len(order), MaxDiagnosticNames)] {
		d.Worst = append(d.Worst, name(i))
	}
	first := make(map[string]int, len(rows))
	for i, r := range rows {
		key := rowKey(r)
		if j, ok := first[key]; ok {
			d.Duplicates++
			if len(d.DuplicateNames) < MaxDiagnosticNames {
				d.DuplicateNames = append(d.DuplicateNames, cutName(info[i].Name+" = "+info[j].Name))
			}
		} else {
			first[key] = i
		}
		if info[i].TimedOut {
			d.TimedOut++
			if len(d.TimedOutNames) < MaxDiagnosticNames {
				d.TimedOutNames = append(d.TimedOutNames, name(i))
			}
		}
		if info[i].Truncated {
			d.Truncated++
			if len(d.TruncatedNames) < MaxDiagnosticNames {
				d.TruncatedNames = append(d.TruncatedNames, name(i))
			}
		}
	}
	return d
}

// rowKey is a row's exact bits, so that equal rows (and only they) share
// a key; -0 and 0 count as equal.
func rowKey(r []float64) string {
	var b strings.Builder
	for _, v := range r {
		if v == 0 {
			v = 0
		}
		fmt.Fprintf(&b, "%x,", math.Float64bits(v))
	}
	return b.String()
}

// cutName bounds a name to MaxSampleName bytes, cutting at a rune start.
func cutName(s string) string {
	if len(s) <= MaxSampleName {
		return s
	}
	n := MaxSampleName
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}

// names returns how many names d holds and their bytes, as the model
// file's header declares them.
func (d *Diagnostics) names() (count, bytes int) {
	if d == nil {
		return 0, 0
	}
	for _, l := range [][]string{d.Worst, d.DuplicateNames, d.TimedOutNames, d.TruncatedNames} {
		count += len(l)
		for _, s := range l {
			bytes += len(s)
		}
	}
	return count, bytes
}

// validate checks d against a model of n training samples: each list
// within its bounds and counts, Worst naming exactly the lowest
// min(n, MaxDiagnosticNames) scores.
func (d *Diagnostics) validate(n int) error {
	if d == nil {
		return nil
	}
	if len(d.Worst) != min(n, MaxDiagnosticNames) {
		return fmt.Errorf("diagnostics name %d worst training samples of %d", len(d.Worst), n)
	}
	for _, c := range []struct {
		what  string
		count int
		most  int
		names []string
	}{
		{"duplicate", d.Duplicates, n - 1, d.DuplicateNames},
		{"timed-out", d.TimedOut, n, d.TimedOutNames},
		{"truncated", d.Truncated, n, d.TruncatedNames},
	} {
		if c.count < 0 || c.count > c.most || len(c.names) != min(c.count, MaxDiagnosticNames) {
			return fmt.Errorf("diagnostics: %d %s samples (%d named) of %d", c.count, c.what, len(c.names), n)
		}
	}
	for _, l := range [][]string{d.Worst, d.DuplicateNames, d.TimedOutNames, d.TruncatedNames} {
		for _, s := range l {
			if len(s) > MaxSampleName {
				return fmt.Errorf("diagnostics: a sample name of %d bytes, more than %d", len(s), MaxSampleName)
			}
		}
	}
	return nil
}

// Warnings are the diagnostics that should make people look at the
// training set again: fewer than FewSamples samples, duplicate rows, runs
// that timed out or were truncated. A model without diagnostics (trained
// through the API without sample names) warns only about its size.
func (m *Model) Warnings() []string {
	var w []string
	if m.Samples < FewSamples {
		w = append(w, fmt.Sprintf("only %d training samples: with fewer than %d the model knows little of normal behaviour", m.Samples, FewSamples))
	}
	d := m.Diagnostics
	if d == nil {
		return w
	}
	if d.Duplicates > 0 {
		w = append(w, fmt.Sprintf("%d training %s duplicate an earlier sample's features: %s", d.Duplicates,
			pick(d.Duplicates, "sample", "samples"), list(d.DuplicateNames, d.Duplicates)))
	}
	if d.TimedOut > 0 {
		w = append(w, fmt.Sprintf("%d training %s timed out and %s learned from a partial trace: %s", d.TimedOut,
			pick(d.TimedOut, "run", "runs"), pick(d.TimedOut, "was", "were"), list(d.TimedOutNames, d.TimedOut)))
	}
	if d.Truncated > 0 {
		w = append(w, fmt.Sprintf("%d training %s truncated: %s", d.Truncated,
			pick(d.Truncated, "trace was", "traces were"), list(d.TruncatedNames, d.Truncated)))
	}
	return w
}

// FlaggedText says how many training samples the model flags and names
// the worst of them with their scores: "3 of 40 training samples score as
// anomalous against their own model: a (-0.31), b (-0.12), c (-0.01)".
// Names are given as they are; callers escape the text for a terminal.
func (m *Model) FlaggedText() string {
	f := m.Flagged()
	s := fmt.Sprintf("%d of %d training samples score as anomalous against their own model", f, m.Samples)
	if f == 0 || m.Diagnostics == nil {
		return s
	}
	var parts []string
	for i, n := range m.Diagnostics.Worst[:min(f, len(m.Diagnostics.Worst))] {
		parts = append(parts, fmt.Sprintf("%s (%.4f)", n, m.TrainScores[i]))
	}
	if f > len(parts) {
		parts = append(parts, fmt.Sprintf("and %d more", f-len(parts)))
	}
	return s + ": " + strings.Join(parts, ", ")
}

func pick(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func list(names []string, count int) string {
	s := strings.Join(names, ", ")
	if count > len(names) {
		s += fmt.Sprintf(" and %d more", count-len(names))
	}
	return s
}
