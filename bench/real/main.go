// Command real is the real-program benchmark: it runs every command line
// of its sets once in the sandbox under the tracer (detector trace, as
// train --commands runs them), trains every algorithm on the training
// lines' traces, judges the held-out benign and hostile lines with each
// model and the default rules, and prints per algorithm and held-out pair
// (test.txt with hostile.txt, on which the detectors were tuned, and
// holdout-benign.txt with holdout-hostile.txt, and holdout2-benign.txt with
// holdout2-hostile.txt, each written before a round of tuning and
// never tuned on): the false-alarm rate and detection rate of the model
// alone (score below 0), the ROC AUC of its score, and the combined
// decision (the model, or a rule or profile finding at WARNING or above).
// Traces kept with -keep are reused, so that a second run only trains and
// judges.
//
//	go run ./bench/real [-jobs 2] [-algorithms profile,lof] [-pairs test,holdout] [-keep DIR] [-readme]
//
// With -readme the table is also written into README.md between the
// real:begin and real:end markers.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"detector/commands"
	"detector/evaluate"
)

func main() {
	jobs := flag.Int("jobs", 2, "command lines traced at once")
	algs := flag.String("algorithms", "lof,ocsvm,iforest,ngram,callset,stide,ensemble,profile", "algorithms to measure")
	keep := flag.String("keep", "", "keep the traces in `DIR` (reused when already there)")
	readme := flag.Bool("readme", false, "write the table into README.md")
	dir := flag.String("corpus", "bench/real", "folder of train.txt, test.txt and hostile.txt")
	pairs := flag.String("pairs", "", "held-out pairs to judge, by name (test, holdout, holdout2; all when empty)")
	flag.Parse()
	judged, err := pickPairs(*pairs)
	if err != nil {
		fmt.Fprintf(os.Stderr, "real: %v\n", err)
		os.Exit(2)
	}
	if err := run(*dir, *keep, strings.Split(*algs, ","), judged, *jobs, *readme); err != nil {
		fmt.Fprintf(os.Stderr, "real: %v\n", err)
		os.Exit(1)
	}
}

// Sets are the corpus files, in the order they are traced.
var Sets = []string{"train", "test", "hostile", "holdout-benign", "holdout-hostile", "holdout2-benign", "holdout2-hostile"}

// Pairs are the held-out sets judged together: benign, hostile, and the
// name of the pair in the table.
var Pairs = [][3]string{{"test", "hostile", "test"}, {"holdout-benign", "holdout-hostile", "holdout"}, {"holdout2-benign", "holdout2-hostile", "holdout2"}}

// pickPairs returns the Pairs named in the comma-separated list names, or
// all of them when names is empty.
func pickPairs(names string) ([][3]string, error) {
	if names == "" {
		return Pairs, nil
	}
	var out [][3]string
	for _, n := range strings.Split(names, ",") {
		i := slices.IndexFunc(Pairs, func(p [3]string) bool { return p[2] == n })
		if i < 0 {
			return nil, fmt.Errorf("no held-out pair %q", n)
		}
		out = append(out, Pairs[i])
	}
	return out, nil
}

func run(corpus, keep string, algs []string, pairs [][3]string, jobs int, readme bool) error {
	work := keep
	if work == "" {
		var err error
		if work, err = os.MkdirTemp("", "detector-real-"); err != nil {
			return err
		}
		defer os.RemoveAll(work)
	}
	det := filepath.Join(work, "detector")
	if out, err := exec.Command("go", "build", "-o", det, ".").CombinedOutput(); err != nil {
		return fmt.Errorf("build detector: %v: %s", err, out)
	}
	for _, set := range Sets {
		lines, err := ReadLines(filepath.Join(corpus, set+".txt"))
		if err != nil {
			return err
		}
		t0 := time.Now()
		if err := Record(det, lines, filepath.Join(work, set), jobs); err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "real: %s: %d command lines traced in %.0f s\n", set, len(lines), time.Since(t0).Seconds())
	}
	var rows []Result
	for _, alg := range algs {
		rs, err := MeasureAll(det, work, alg, pairs)
		if err != nil {
			return fmt.Errorf("%s: %w", alg, err)
		}
		rows = append(rows, rs...)
		fmt.Fprintf(os.Stderr, "real: %s measured\n", alg)
	}
	table := Table(rows)
	fmt.Print(table)
	if readme {
		return writeReadme("README.md", table)
	}
	return nil
}

// ReadLines reads a --commands file.
func ReadLines(path string) ([]commands.Command, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	cs, err := commands.Parse(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return cs, nil
}

// Record traces each command line into dir/NNN.strace, jobs at a time,
// skipping those already there. A line that fails (its program exits
// non-zero, as hostile ones do) still leaves its trace.
func Record(det string, lines []commands.Command, dir string, jobs int) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	work := make(chan int)
	errs := make([]error, len(lines))
	var wg sync.WaitGroup
	for range max(1, jobs) {
		wg.Go(func() {
			for i := range work {
				out := filepath.Join(dir, fmt.Sprintf("%03d.strace", i+1))
				if _, err := os.Stat(out); err == nil {
					continue
				}
				tmp := out + ".part"
				args := append([]string{"trace", "--out", tmp, "--timeout", "20s", "--"}, lines[i].Argv...)
				cmd := exec.Command(det, args...)
				// Programs are looked up in the system's folders alone, so
				// that the corpus runs the same programs on every machine.
				cmd.Env = append(os.Environ(), "PATH="+Path)
				var stderr bytes.Buffer
				cmd.Stderr = &stderr
				err := cmd.Run()
				if _, serr := os.Stat(tmp); serr != nil {
					errs[i] = fmt.Errorf("trace %q: %v: %s", lines[i].Name, err, lastLine(stderr.String()))
					continue
				}
				errs[i] = os.Rename(tmp, out)
			}
		})
	}
	for i := range lines {
		work <- i
	}
	close(work)
	wg.Wait()
	return errors.Join(errs...)
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}

// Path is the PATH the command lines are looked up in.
const Path = "/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin"

// Result is one algorithm's figures.
type Result struct {
	Algorithm        string
	Set              string // the held-out pair (Pairs)
	Benign, Hostile  int
	ModelFA, ModelDR float64 // score below 0
	AUC              float64
	CombFA, CombDR   float64 // model, or severity WARNING or above
	Train, Judge     time.Duration
}

// row is what the runner reads of a detect --output json line.
type row struct {
	Sample   string   `json:"sample"`
	Verdict  string   `json:"verdict"`
	Score    *float64 `json:"score"`
	Severity string   `json:"severity"`
	Error    string   `json:"error"`
}

// Measure trains alg on work/train and judges work/test and work/hostile.
func Measure(det, work, alg string) (Result, error) {
	rs, err := MeasureAll(det, work, alg, Pairs[:1])
	if err != nil {
		return Result{}, err
	}
	return rs[0], nil
}

// MeasureAll trains alg on work/train and judges each pair of held-out
// sets (those whose folder is missing are left out).
func MeasureAll(det, work, alg string, pairs [][3]string) ([]Result, error) {
	model := filepath.Join(work, alg+".gob")
	t0 := time.Now()
	cmd := exec.Command(det, "train", "--force", "--algorithm", alg, "--jobs", "2", "--model", model, filepath.Join(work, "train"))
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("train: %v: %s", err, lastLine(string(out)))
	}
	train := time.Since(t0)
	var out []Result
	for _, p := range pairs {
		if _, err := os.Stat(filepath.Join(work, p[0])); err != nil && len(out) > 0 {
			continue
		}
		r, err := judge(det, work, model, p)
		if err != nil {
			return nil, err
		}
		r.Algorithm, r.Set, r.Train = alg, p[2], train
		out = append(out, r)
	}
	return out, nil
}

// judge judges one pair of held-out sets with model.
func judge(det, work, model string, pair [3]string) (Result, error) {
	var r Result
	t0 := time.Now()
	var samples []evaluate.Sample
	for _, set := range pair[:2] {
		cmd := exec.Command(det, "detect", "--output", "json", "--jobs", "2", "--model", model, filepath.Join(work, set))
		out, err := cmd.Output()
		var ee *exec.ExitError
		if err != nil && !(errors.As(err, &ee) && ee.ExitCode() == 1) {
			return r, fmt.Errorf("detect %s: %v", set, err)
		}
		sc := bufio.NewScanner(bytes.NewReader(out))
		sc.Buffer(nil, 64<<20)
		for sc.Scan() {
			var x row
			if err := json.Unmarshal(sc.Bytes(), &x); err != nil {
				return r, fmt.Errorf("detect %s: %v", set, err)
			}
			hostile := set == pair[1]
			score := math.Inf(-1) // a sample that cannot be judged is never normal
			if x.Score != nil {
				score = *x.Score
			}
			samples = append(samples, evaluate.Sample{Name: x.Sample, Score: score, Attack: hostile})
			model := score < 0
			comb := model || x.Severity == "WARNING" || x.Severity == "ALERT"
			if hostile {
				r.Hostile++
				r.ModelDR += b2f(model)
				r.CombDR += b2f(comb)
			} else {
				r.Benign++
				r.ModelFA += b2f(model)
				r.CombFA += b2f(comb)
			}
		}
	}
	r.Judge = time.Since(t0)
	if r.Benign == 0 || r.Hostile == 0 {
		return r, errors.New("no samples judged")
	}
	r.ModelFA /= float64(r.Benign)
	r.CombFA /= float64(r.Benign)
	r.ModelDR /= float64(r.Hostile)
	r.CombDR /= float64(r.Hostile)
	r.AUC = evaluate.Compute(samples).AUC
	return r, nil
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// Table formats the results as a Markdown table.
func Table(rows []Result) string {
	var b strings.Builder
	b.WriteString("| algorithm | held out | model: false alarms | model: detected | ROC AUC | model or WARNING+: false alarms | model or WARNING+: detected | train | judge |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s | %s (%d+%d) | %.1f%% | %.1f%% | %.3f | %.1f%% | %.1f%% | %.1f s | %.1f s |\n", r.Algorithm, r.Set, r.Benign, r.Hostile,
			100*r.ModelFA, 100*r.ModelDR, r.AUC, 100*r.CombFA, 100*r.CombDR, r.Train.Seconds(), r.Judge.Seconds())
	}
	return b.String()
}

func writeReadme(path, table string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	const begin, end = "<!-- real:begin -->\n", "<!-- real:end -->"
	i, j := bytes.Index(b, []byte(begin)), bytes.Index(b, []byte(end))
	if i < 0 || j < i {
		return errors.New("README.md has no real:begin and real:end markers")
	}
	out := append(append(append([]byte{}, b[:i+len(begin)]...), table...), b[j:]...)
	return os.WriteFile(path, out, 0o644)
}
