package report

import (
	"bytes"
	"encoding/json"
	"io"
	"math"
	"time"
)

// Floats is a set of named numbers that encodes as a JSON object with its
// keys in the given order (encoding/json would sort a map's keys).
type Floats struct {
	Names  []string
	Values []float64
}

// MarshalJSON implements json.Marshaler. A NaN or infinite value, which
// JSON cannot carry, is written as null.
func (f Floats) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, n := range f.Names {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(n)
		b.Write(k)
		b.WriteByte(':')
		if s := formatFloat(f.Values[i]); s != "" {
			b.WriteString(s)
		} else {
			b.WriteString("null")
		}
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

type jsonDeviation struct {
	Feature string   `json:"feature"`
	Z       *float64 `json:"z"`
}

// finitePtr points to v, or is nil (JSON null) for NaN and infinities,
// which JSON cannot carry.
func finitePtr(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

type jsonRun struct {
	ExitCode  int     `json:"exit_code"`
	TimedOut  bool    `json:"timed_out"`
	Truncated bool    `json:"truncated"`
	Seconds   float64 `json:"seconds"`
	Stdout    string  `json:"stdout"`
	Stderr    string  `json:"stderr"`
	// MemoryLimited: the run hit its memory bound.
	MemoryLimited bool     `json:"memory_limited"`
	Evasion       []string `json:"evasion,omitempty"`
	LostEvents    uint64   `json:"lost_events,omitempty"`
}

type jsonModel struct {
	SHA256    string `json:"sha256"`
	Algorithm string `json:"algorithm"`
	TrainedAt string `json:"trained_at"`
}

type jsonRow struct {
	Sample      string          `json:"sample"`
	Path        *string         `json:"path"`
	SHA256      *string         `json:"sha256"`
	Size        *int64          `json:"size"`
	Verdict     string          `json:"verdict"`
	Complete    *bool           `json:"complete,omitempty"` // false when the run lost events
	Score       *float64        `json:"score"`
	Confidence  *float64        `json:"confidence"`
	Rarity      *float64        `json:"rarity"`
	Features    *Floats         `json:"features"`
	Deviations  []jsonDeviation `json:"deviations"`
	Severity    string          `json:"severity"`
	Findings    []jsonFinding   `json:"findings"`
	Error       string          `json:"error,omitempty"`
	Run         *jsonRun        `json:"run,omitempty"`
	Timestamp   string          `json:"timestamp"`
	Host        string          `json:"host"`
	ToolVersion string          `json:"tool_version"`
	Model       *jsonModel      `json:"model"`
}

type jsonFinding struct {
	Rule     string         `json:"rule"`
	Severity string         `json:"severity"`
	Count    int            `json:"count"`
	Message  string         `json:"message,omitempty"`
	Evidence []jsonEvidence `json:"evidence"`
	Process  *jsonProcess   `json:"process,omitempty"`
}

type jsonEvidence struct {
	PID     int      `json:"pid"`
	Time    *float64 `json:"time"` // seconds, as the trace's timestamps count them; null without
	Syscall string   `json:"syscall"`
	Path    string   `json:"path,omitempty"`     // the object the call's path resolved to
	AsGiven string   `json:"as_given,omitempty"` // the path as spelled, when it differs
	Rule    string   `json:"rule,omitempty"`     // multiple-warnings: the rule the call hit
}

type jsonProcess struct {
	PID      int      `json:"pid"`
	PPID     int      `json:"ppid"`
	Exe      string   `json:"exe"`
	Executed string   `json:"executed,omitempty"` // a script's interpreter
	Argv     []string `json:"argv"`
	Chain    []string `json:"chain"`
}

func jsonFindings(fs []Finding) []jsonFinding {
	out := []jsonFinding{}
	for _, f := range fs {
		j := jsonFinding{Rule: f.Rule, Severity: f.Severity, Count: f.Count, Message: f.Message, Evidence: []jsonEvidence{}}
		for _, e := range f.Evidence {
			je := jsonEvidence{PID: e.PID, Syscall: e.Syscall, Path: e.Path, AsGiven: e.AsGiven, Rule: e.Rule}
			if e.HasTime {
				t := e.Time.Seconds()
				je.Time = &t
			}
			j.Evidence = append(j.Evidence, je)
		}
		if p := f.Process; p != nil {
			j.Process = &jsonProcess{PID: p.PID, PPID: p.PPID, Exe: p.Exe, Executed: p.Executed, Argv: p.Argv, Chain: p.Chain}
		}
		out = append(out, j)
	}
	return out
}

// WriteJSON writes rows as JSON Lines: one object per sample with the keys
// sample, verdict, score, confidence, features, deviations (the largest
// TopDeviations), severity, findings, and for executed samples run; error
// rows carry error and null numbers.
func WriteJSON(w io.Writer, rows []Row, s Summary) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for _, r := range rows {
		j := jsonRow{Timestamp: s.Started.UTC().Format(time.RFC3339), Host: s.Host, ToolVersion: s.ToolVersion,
			Model:  &jsonModel{SHA256: s.ModelSHA256, Algorithm: s.ModelAlgorithm, TrainedAt: s.Trained.UTC().Format(time.RFC3339)},
			Sample: r.Sample, Verdict: r.Verdict, Deviations: []jsonDeviation{}, Error: r.Err,
			Severity: severity(r), Findings: jsonFindings(r.Findings)}
		if !r.Complete() {
			j.Complete = new(bool)
		}
		if r.Verdict != Error {
			j.Score, j.Confidence, j.Rarity = finitePtr(r.Score), finitePtr(r.Confidence), finitePtr(r.Rarity)
			for _, d := range top(r.Deviations) {
				j.Deviations = append(j.Deviations, jsonDeviation{d.Feature, finitePtr(d.Z)})
			}
		}
		if f := r.File; f != nil {
			path, size := f.Path, f.Size
			j.Path, j.Size = &path, &size
			if f.SHA256 != "" {
				sum := f.SHA256
				j.SHA256 = &sum
			}
		}
		if r.Features != nil {
			j.Features = &Floats{Names: s.FeatureNames, Values: r.Features}
		}
		if r.Run != nil {
			j.Run = &jsonRun{r.Run.ExitCode, r.Run.TimedOut, r.Run.Truncated, r.Run.Seconds, r.Run.Stdout, r.Run.Stderr, r.Run.MemoryLimited, r.Run.Evasion, r.Run.Lost}
		}
		if err := enc.Encode(j); err != nil {
			return err
		}
	}
	return nil
}

// FeatureRow is one sample of the `features` command.
type FeatureRow struct {
	Sample   string
	Features []float64
	Syscalls map[string]int64 // the run's histogram; nil for CSV input
}

type jsonFeatureRow struct {
	Sample   string           `json:"sample"`
	Features Floats           `json:"features"`
	Syscalls map[string]int64 `json:"syscalls"`
}

// WriteFeaturesJSON writes JSON Lines with sample, features (in names'
// order) and syscalls (name to count, keys sorted).
func WriteFeaturesJSON(w io.Writer, names []string, rows []FeatureRow) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for _, r := range rows {
		sc := r.Syscalls
		if sc == nil {
			sc = map[string]int64{}
		}
		if err := enc.Encode(jsonFeatureRow{r.Sample, Floats{names, r.Features}, sc}); err != nil {
			return err
		}
	}
	return nil
}
