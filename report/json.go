package report

import (
	"bytes"
	"encoding/json"
	"io"
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
	Feature string  `json:"feature"`
	Z       float64 `json:"z"`
}

type jsonRun struct {
	ExitCode  int     `json:"exit_code"`
	TimedOut  bool    `json:"timed_out"`
	Truncated bool    `json:"truncated"`
	Seconds   float64 `json:"seconds"`
	Stdout    string  `json:"stdout"`
	Stderr    string  `json:"stderr"`
	// MemoryLimited: the run hit its memory bound.
	MemoryLimited bool `json:"memory_limited"`
}

type jsonRow struct {
	Sample     string          `json:"sample"`
	Verdict    string          `json:"verdict"`
	Score      *float64        `json:"score"`
	Confidence *float64        `json:"confidence"`
	Features   *Floats         `json:"features"`
	Deviations []jsonDeviation `json:"deviations"`
	Error      string          `json:"error,omitempty"`
	Run        *jsonRun        `json:"run,omitempty"`
}

// WriteJSON writes rows as JSON Lines: one object per sample with the keys
// sample, verdict, score, confidence, features, deviations (the largest
// TopDeviations), and for executed samples run; error rows carry error and
// null numbers.
func WriteJSON(w io.Writer, rows []Row, s Summary) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for _, r := range rows {
		j := jsonRow{Sample: r.Sample, Verdict: r.Verdict, Deviations: []jsonDeviation{}, Error: r.Err}
		if r.Verdict != Error {
			score, conf := r.Score, r.Confidence
			j.Score, j.Confidence = &score, &conf
			for _, d := range top(r.Deviations) {
				j.Deviations = append(j.Deviations, jsonDeviation{d.Feature, d.Z})
			}
		}
		if r.Features != nil {
			j.Features = &Floats{Names: s.FeatureNames, Values: r.Features}
		}
		if r.Run != nil {
			j.Run = &jsonRun{r.Run.ExitCode, r.Run.TimedOut, r.Run.Truncated, r.Run.Seconds, r.Run.Stdout, r.Run.Stderr, r.Run.MemoryLimited}
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
