package profile

import (
	"archive/zip"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"detector/algo"
	"detector/observe"
	"detector/trace"
)

// adfaZip is the ADFA-LD benchmark beside the repository.
const adfaZip = "../../shared/datasets/adfa-ld/ADFA-LD.zip"

var realDir = flag.String("real", "", "traces recorded by go run ./bench/real -keep `DIR`, for BenchmarkReal")

// sample is one trace as the pipeline gives it to the profile detector.
type sample struct {
	beh *observe.Sample
	seq [][]string
}

// record reads one trace's events into a sample (one process sequence
// per pid, as the pipeline records them).
func record(parse func(fn func(*trace.Event) error) error) (sample, error) {
	var r observe.Recorder
	byPID := map[int]int{}
	var seqs [][]string
	err := parse(func(e *trace.Event) error {
		r.Event(e)
		if e.Kind == trace.EventCall {
			i, ok := byPID[e.PID]
			if !ok {
				i = len(seqs)
				byPID[e.PID] = i
				seqs = append(seqs, nil)
			}
			seqs[i] = append(seqs[i], e.Call.Name)
		}
		return nil
	})
	return sample{r.Sample(), seqs}, err
}

func loadADFA(b *testing.B) (train, eval []sample) {
	zr, err := zip.OpenReader(adfaZip)
	if os.IsNotExist(err) {
		b.Skipf("ADFA-LD not found at %s", adfaZip)
	}
	if err != nil {
		b.Fatal(err)
	}
	defer zr.Close()
	for _, f := range zr.File {
		if f.FileInfo().IsDir() || !strings.HasSuffix(f.Name, ".txt") || strings.Contains(f.Name, "List") {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			b.Fatal(err)
		}
		s, err := record(func(fn func(*trace.Event) error) error {
			_, err := trace.ParseADFA(rc, trace.ArchI386, func(c *trace.Call) error {
				return fn(&trace.Event{Kind: trace.EventCall, PID: c.PID, Call: c})
			})
			return err
		})
		rc.Close()
		if err != nil {
			b.Fatal(err)
		}
		if strings.Contains(f.Name, "Training_Data_Master/") {
			train = append(train, s)
		} else {
			eval = append(eval, s)
		}
	}
	return train, eval
}

func loadReal(b *testing.B) (train, eval []sample) {
	if *realDir == "" {
		b.Skip("give -real DIR, the traces of go run ./bench/real -keep DIR")
	}
	for _, set := range []string{"train", "test", "hostile"} {
		files, _ := filepath.Glob(filepath.Join(*realDir, set, "*.strace"))
		if len(files) == 0 {
			b.Fatalf("no traces in %s", filepath.Join(*realDir, set))
		}
		for _, p := range files {
			f, err := os.Open(p)
			if err != nil {
				b.Fatal(err)
			}
			s, err := record(func(fn func(*trace.Event) error) error { _, err := trace.ParseEvents(f, fn); return err })
			f.Close()
			if err != nil {
				b.Fatal(err)
			}
			if set == "train" {
				train = append(train, s)
			} else {
				eval = append(eval, s)
			}
		}
	}
	return train, eval
}

func samplesOf(ss []sample) algo.Samples {
	out := algo.Samples{Rows: make([][]float64, len(ss))}
	for _, s := range ss {
		out.Behaviour = append(out.Behaviour, s.beh)
		out.Seqs = append(out.Seqs, s.seq)
	}
	return out
}

// benchFitScore times the fit on train and the score of eval, and reports
// the encoded model's size; beside it, the sequence part alone (the
// ensemble) on the same samples.
func benchFitScore(b *testing.B, train, eval []sample) {
	tr, ev := samplesOf(train), samplesOf(eval)
	a := algo.NewArgs(Spec, nil)
	ens, err := algo.Lookup("ensemble")
	if err != nil {
		b.Fatal(err)
	}
	b.Run("fit-ensemble-alone", func(b *testing.B) {
		for b.Loop() {
			if _, err := ens.Fit(tr, algo.NewArgs(ens, nil), algo.FitOptions{Jobs: 1}); err != nil {
				b.Fatal(err)
			}
		}
	})
	e, err := ens.Fit(tr, algo.NewArgs(ens, nil), algo.FitOptions{Jobs: 1})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("score-ensemble-alone", func(b *testing.B) {
		for b.Loop() {
			e.Score(ev)
		}
	})
	b.Run("fit", func(b *testing.B) {
		for b.Loop() {
			if _, err := Fit(tr, a, algo.FitOptions{Jobs: 1}); err != nil {
				b.Fatal(err)
			}
		}
	})
	d, err := Fit(tr, a, algo.FitOptions{Jobs: 1})
	if err != nil {
		b.Fatal(err)
	}
	enc, _ := algo.Encode(d)
	b.Run("score", func(b *testing.B) {
		for b.Loop() {
			d.Score(ev)
		}
		b.ReportMetric(float64(len(enc)), "model-bytes")
	})
}

// BenchmarkADFA fits the profile detector (with the ensemble as its
// sequence part) on ADFA-LD's 833 training traces and scores the 5,118
// evaluation traces, from recorded behaviour and call names.
func BenchmarkADFA(b *testing.B) {
	train, eval := loadADFA(b)
	benchFitScore(b, train, eval)
}

// BenchmarkReal fits on bench/real's training lines and scores the
// held-out and hostile ones (traces recorded by the runner).
func BenchmarkReal(b *testing.B) {
	train, eval := loadReal(b)
	benchFitScore(b, train, eval)
}
