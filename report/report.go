// Package report renders the analyst's view of a detection run: a table
// for people, JSON Lines and CSV for programs. It also writes the feature
// tables of the `features` command.
//
// Every format carries the same facts per sample: its name, the verdict
// (anomalous, normal, or error when the sample could not be judged), the
// decision score (> 0 normal, < 0 anomalous), the confidence in [0, 1],
// the raw features, the features that deviate most from the training
// data, in standard deviations, the severity and the findings of the
// behaviour rules with their evidence.
package report

import (
	"fmt"
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"detector/model"
)

// Verdicts.
const (
	Anomalous = "anomalous"
	Normal    = "normal"
	Error     = "error"
	// Incomplete is the verdict of a sample whose model score is not
	// anomalous but whose run lost events (RunInfo.Lost): the rules did
	// not see all it did, so it is never called normal.
	Incomplete = "incomplete"
)

// TopDeviations is how many deviating features a report names per sample.
const TopDeviations = 3

// Row is one judged sample.
type Row struct {
	Sample string
	// Label is the table's name for a sample read from a path: the path
	// relative to the folder all the paths share (see Labels), cut from
	// the left at a folder when it must be. "" shows Sample, cut at its
	// end when it must be (a command line, a feature table's row).
	Label      string
	Verdict    string
	Score      float64
	Confidence float64
	// File describes the sample's file (nil for CSV rows): for an -ff
	// group, its first file.
	File *FileInfo
	// Rarity is the share of training samples that scored at or below
	// Score (model.Model.Rarity).
	Rarity     float64
	Features   []float64         // raw values, in the order of Summary.FeatureNames
	Deviations []model.Deviation // largest first; at most TopDeviations are shown
	// OwnFindings says that the model explains itself by findings of its
	// own (a profile model's, rule ids beginning with ProfilePrefix): the
	// table shows those below the row, never Deviations.
	OwnFindings bool
	Err         string   // why the sample could not be judged (Verdict == Error)
	Run         *RunInfo // set for executed samples
	// Severity is NONE, INFO, WARNING or ALERT: the highest of the
	// findings' and of the verdict's (ModelSeverity).
	Severity string
	// Findings are the behaviour rules that matched and the model's
	// anomaly (model-anomaly), highest severity first; empty when nothing
	// was found.
	Findings []Finding
	// Start is the time of the sample's first event, as the trace counts
	// it (HasStart false without timestamps): --explain shows evidence
	// times from it.
	Start    time.Duration
	HasStart bool
}

// Labels returns each path relative to the deepest folder that holds
// them all: "fixtures/suspicious/a.sh" and "fixtures/suspicious/b.sh"
// become "a.sh" and "b.sh"; with "fixtures/benign/c.sh" among them,
// "suspicious/a.sh" and "benign/c.sh". A path's file name is always kept.
func Labels(paths []string) []string {
	split := make([][]string, len(paths))
	var common []string
	for i, p := range paths {
		parts := strings.Split(filepath.Clean(p), "/")
		split[i] = parts
		dir := parts[:len(parts)-1]
		if i == 0 {
			common = dir
			continue
		}
		n := 0
		for n < len(common) && n < len(dir) && common[n] == dir[n] {
			n++
		}
		common = common[:n]
	}
	out := make([]string, len(paths))
	for i, parts := range split {
		out[i] = strings.Join(parts[len(common):], "/")
	}
	return out
}

// Complete tells whether every event of the sample's run was seen: false
// when the tracer lost some (RunInfo.Lost).
func (r *Row) Complete() bool { return r.Run == nil || r.Run.Lost == 0 }

// FileInfo identifies a sample's file for other tools.
type FileInfo struct {
	Path   string // absolute
	SHA256 string // hex; "" when the file could no longer be read
	Size   int64
}

// RunInfo describes a sample that was executed under the tracer.
type RunInfo struct {
	ExitCode  int
	TimedOut  bool
	Truncated bool
	// MemoryLimited: the run hit its memory bound (a process was killed or
	// refused memory).
	MemoryLimited bool
	Stdout        string // bounded capture
	Stderr        string
	Seconds       float64
	// Evasion names the attempts, seen in the trace, to act out of the
	// tracer's sight or on the tracer (see trace.Evasion); the sandbox
	// refuses them, so the trace is complete, but the attempt itself is a
	// strong sign of a hostile program.
	Evasion []string
	// Lost counts the events the eBPF tracer lost (its ring was full): the
	// rules did not see them; the counts are whole.
	Lost uint64
}

// Summary describes the run as a whole.
type Summary struct {
	FeatureNames []string
	Algorithm    string // the method's name for people: "Local Outlier Factor"
	Params       string // its training parameters: "neighbors=20, contamination=auto"
	TrainSamples int
	Trained      time.Time
	ModelPath    string
	// When the run started, the machine's name, this tool's version, and
	// the model file's SHA-256 (hex), for the JSON Lines of SIEMs.
	Started     time.Time
	Host        string
	ToolVersion string
	ModelSHA256 string
	// ModelAlgorithm is the model's registry name ("lof").
	ModelAlgorithm string
	// Threshold is the decision boundary detect used (--threshold; 0 by
	// default): a score below it is anomalous.
	Threshold float64
	// Explain asks the table for each finding's evidence; Wide for the
	// box table of one line per sample instead of the layout that fits
	// Width columns (0: DefaultWidth).
	Explain, Wide bool
	Width         int
	// Elapsed is the run's wall time, for the summary block.
	Elapsed time.Duration
}

// Counts returns how many rows are anomalous and how many are errors.
func Counts(rows []Row) (anomalous, errs int) {
	for _, r := range rows {
		switch r.Verdict {
		case Anomalous:
			anomalous++
		case Error:
			errs++
		}
	}
	return anomalous, errs
}

// FormatDeviation writes a deviation as people read it: "network_ratio +4.2σ".
func FormatDeviation(d model.Deviation) string {
	return fmt.Sprintf("%s %+.1fσ", d.Feature, d.Z)
}

// formatFloat gives the shortest text that reads back to v exactly, so
// that JSON and CSV lose nothing; whole numbers such as call counts are
// written without an exponent.
func formatFloat(v float64) string {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return ""
	case v == math.Trunc(v) && math.Abs(v) < 1e15:
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// DeviationsText writes the top deviations for people:
// "network_ratio +4.2σ, total_calls +2.6σ".
func DeviationsText(d []model.Deviation) string {
	var ds []string
	for _, x := range top(d) {
		ds = append(ds, FormatDeviation(x))
	}
	return strings.Join(ds, ", ")
}

func top(d []model.Deviation) []model.Deviation {
	return d[:min(len(d), TopDeviations)]
}

// severity is r.Severity, or the verdict's alone when nothing set it.
func severity(r Row) string {
	if r.Severity != "" {
		return r.Severity
	}
	return ModelSeverity(r.Verdict, r.Confidence)
}
