package ensemble_test

import (
	"archive/zip"
	"bytes"
	"io"
	"os"
	"path"
	"sort"
	"strings"
	"sync"
	"testing"

	"detector/evaluate"
	"detector/seq"
	"detector/trace"
)

// adfaZip is the ADFA-LD benchmark beside the repository (../shared from the
// repository root), as CI has it.
const adfaZip = "../../shared/datasets/adfa-ld/ADFA-LD.zip"

// adfaTrace is one trace of the benchmark.
type adfaTrace struct {
	name   string // path in the zip
	family string // attack family, "" for normal traces
	calls  []string
}

type adfaData struct {
	train, normal, attack []adfaTrace
	err                   error
}

var (
	adfaOnce sync.Once
	adfa     adfaData
)

// loadADFA reads the three folders of the benchmark from the zip, each
// sorted by path, with trace.ParseADFA (i386 numbering). It skips the test
// when the data set is absent.
func loadADFA(tb testing.TB) *adfaData {
	tb.Helper()
	if _, err := os.Stat(adfaZip); os.IsNotExist(err) {
		tb.Skipf("ADFA-LD not found at %s: the benchmark test needs the shared datasets beside the repository", adfaZip)
	}
	adfaOnce.Do(func() { adfa = readADFA() })
	if adfa.err != nil {
		tb.Fatal(adfa.err)
	}
	return &adfa
}

func readADFA() adfaData {
	var d adfaData
	zr, err := zip.OpenReader(adfaZip)
	if err != nil {
		d.err = err
		return d
	}
	defer zr.Close()
	const attackRoot = "ADFA-LD/Attack_Data_Master"
	for _, f := range zr.File {
		if f.FileInfo().IsDir() || !strings.HasSuffix(f.Name, ".txt") {
			continue
		}
		var dst *[]adfaTrace
		family := ""
		switch {
		case strings.HasPrefix(f.Name, "ADFA-LD/Training_Data_Master/"):
			dst = &d.train
		case strings.HasPrefix(f.Name, "ADFA-LD/Validation_Data_Master/"):
			dst = &d.normal
		case strings.HasPrefix(f.Name, attackRoot+"/"):
			dst = &d.attack
			family = evaluate.Family(attackRoot, path.Clean(f.Name))
		default:
			continue
		}
		rc, err := f.Open()
		if err != nil {
			d.err = err
			return d
		}
		data, err := io.ReadAll(io.LimitReader(rc, 1<<24))
		rc.Close()
		if err != nil {
			d.err = err
			return d
		}
		var calls []string
		if _, err := trace.ParseADFA(bytes.NewReader(data), trace.ArchI386, func(c *trace.Call) error {
			calls = append(calls, c.Name)
			return nil
		}); err != nil {
			d.err = err
			return d
		}
		*dst = append(*dst, adfaTrace{name: f.Name, family: family, calls: calls})
	}
	for _, s := range [][]adfaTrace{d.train, d.normal, d.attack} {
		sort.Slice(s, func(i, j int) bool { return s[i].name < s[j].name })
	}
	return d
}

func names(ts []adfaTrace) [][]string {
	out := make([][]string, len(ts))
	for i, t := range ts {
		out[i] = t.calls
	}
	return out
}

// Development split: half of the Validation normals, chosen by seq.Folds
// with seed devSeed (fold 0 of 2), and the attacks of three families. All
// choices of method and hyper-parameters were made on it.
const devSeed = 20261122

var devFamilies = map[string]bool{"Adduser": true, "Hydra_FTP": true, "Java_Meterpreter": true}

// evalSet is the encoded evaluation traces with their labels.
type evalSet struct {
	seqs   [][]int32
	attack []bool
	family []string
	name   []string
}

// evaluation returns the traces of the full protocol (all normals, all
// attacks) or of the development split, encoded with v.
func (d *adfaData) evaluation(v *seq.Vocabulary, dev bool) evalSet {
	var e evalSet
	fold := seq.Folds(len(d.normal), 2, devSeed)
	for i, t := range d.normal {
		if dev && fold[i] != 0 {
			continue
		}
		e.seqs = append(e.seqs, v.Encode(t.calls))
		e.attack = append(e.attack, false)
		e.family = append(e.family, "")
		e.name = append(e.name, t.name)
	}
	for _, t := range d.attack {
		if dev && !devFamilies[t.family] {
			continue
		}
		e.seqs = append(e.seqs, v.Encode(t.calls))
		e.attack = append(e.attack, true)
		e.family = append(e.family, t.family)
		e.name = append(e.name, t.name)
	}
	return e
}

// figures are the ranking figures of one method.
type figures struct {
	AUC              float64
	DR1, DR5, DR10   float64
	Normal, Attack   int
	FamilyAUC        map[string]float64
	ThresholdDR, FAR float64 // at the model's own threshold (decision < 0)
}

// rank computes the figures of decision scores (lower is more anomalous).
func rank(scores []float64, e evalSet) figures {
	samples := make([]evaluate.Sample, len(scores))
	for i := range scores {
		samples[i] = evaluate.Sample{Name: e.name[i], Score: scores[i], Attack: e.attack[i], Family: e.family[i]}
	}
	r := evaluate.Compute(samples)
	f := figures{AUC: r.AUC, DR1: r.DRAtFA["0.01"], DR5: r.DRAtFA["0.05"], DR10: r.DRAtFA["0.10"],
		Normal: r.Normal, Attack: r.Attack, FamilyAUC: map[string]float64{}}
	for name, fr := range r.Families {
		f.FamilyAUC[name] = fr.AUC
	}
	if r.Attack > 0 {
		f.ThresholdDR = float64(r.Confusion.TP) / float64(r.Attack)
	}
	if r.Normal > 0 {
		f.FAR = float64(r.Confusion.FP) / float64(r.Normal)
	}
	return f
}
