package profile

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"detector/algo"
	"detector/observe"
)

// SequenceModels are the sequence models the profile detector may use
// for its sequence part (--sequence), "none" for none.
var SequenceModels = []string{"ensemble", "ngram", "callset", "stide", "none"}

// Spec registers the profile detector as "profile".
var Spec = algo.Spec{
	Name:      "profile",
	Title:     "per-program behaviour profiles",
	Sequences: true,
	Behaviour: true,
	Params: []algo.Param{
		{Name: "sequence", Default: "ensemble", Usage: "sequence model that adds its evidence where profiles are thin: " + strings.Join(SequenceModels, ", ")},
		{Name: "key", Default: "path", Usage: "what identifies a program: path (its resolved executable's path) or sha256 (the path and the executable's digest: a replaced binary is a program never seen)"},
	},
	Check: check,
	Fit:   Fit,
	New:   func() algo.Detector { return new(Model) },
}

func check(a algo.Args) error {
	if !slices.Contains(SequenceModels, a["sequence"]) {
		return fmt.Errorf("--sequence must be one of %s, not %q", strings.Join(SequenceModels, ", "), a["sequence"])
	}
	if k := a["key"]; k != "" && k != "path" && k != KeySHA256 {
		return fmt.Errorf("--key must be path or sha256, not %q", k)
	}
	return nil
}

// KeySHA256 is Model.Key for identities keyed by the executable's digest.
const KeySHA256 = "sha256"

// Keyed reports whether the samples of a profile model with args a must
// key their executables by digest (pipeline.Options.Digest).
func Keyed(a algo.Args) bool { return a["key"] == KeySHA256 }

// margin is added to the offset so that a sample without deviations is
// normal (above 0) even when most held-out training samples had none.
const margin = 0.3

// tauQuantile is the quantile of the out-of-fold penalties that sets Tau.
const tauQuantile = 0.98

// folds of the out-of-fold penalties that set Tau.
const folds = 5

// MaxTau bounds the penalty offset Tau.
const MaxTau = 100

// Fit learns the profiles of s.Behaviour and, unless --sequence is none,
// the sequence model of s.Seqs with its own defaults.
func Fit(s algo.Samples, a algo.Args, o algo.FitOptions) (algo.Detector, error) {
	if err := check(a); err != nil {
		return nil, err
	}
	n := s.Len()
	if len(s.Behaviour) != n {
		return nil, errors.New("no program behaviour: profiles train on executables, command lines or strace logs")
	}
	progs, err := build(s.Behaviour)
	if err != nil {
		return nil, err
	}
	m := &Model{Programs: progs, Samples: n, SeqScale: 1}
	if Keyed(a) {
		m.Key = KeySHA256
	}
	if err := checkKeys(progs, m.Key); err != nil {
		return nil, err
	}
	if name := a["sequence"]; name != "none" && len(s.Seqs) == n {
		spec, err := algo.Lookup(name)
		if err != nil {
			return nil, err
		}
		det, err := spec.Fit(algo.Samples{Rows: s.Rows, Seqs: s.Seqs}, algo.NewArgs(spec, nil), o)
		if err != nil {
			return nil, fmt.Errorf("sequence part: %w", err)
		}
		if m.Seq, err = algo.Encode(det); err != nil {
			return nil, err
		}
		m.SeqAlgo, m.SeqSamples, m.seq = name, n, det
		m.SeqScale = scale(det.TrainingDecision())
	}
	// Out-of-fold penalties: how far from its profiles a benign sample
	// that training did not include lies.
	oof := make([]float64, 0, n)
	k := min(folds, n)
	for f := range k {
		var train []*observe.Sample
		for i, b := range s.Behaviour {
			if i%k != f {
				train = append(train, b)
			}
		}
		p, err := build(train)
		if err != nil {
			return nil, err
		}
		fm := &Model{Programs: p}
		fm.index()
		for i := f; i < n; i += k {
			_, _, pen := fm.judge(s.Behaviour[i])
			oof = append(oof, pen)
		}
	}
	// The operating point: a benign sample like the training ones
	// crosses 0 on its penalty alone about one time in fifty (the 98th
	// percentile; chosen on bench/real's tuning set, where the 90th
	// flagged 8 % of everyday lines). A training set in which many samples
	// ran many programs that the others did not (a host's learning
	// period) is bounded by what Validate accepts.
	m.Tau = min(quantile(oof, tauQuantile)+margin, MaxTau)
	m.index()
	m.Train = m.Score(s)
	for i, v := range m.Train {
		if !algo.Finite(v) {
			return nil, fmt.Errorf("training sample %d has no finite decision", i)
		}
	}
	return m, nil
}

// scale is the median magnitude of decisions, 1 when it is 0.
func scale(d []float64) float64 {
	abs := make([]float64, 0, len(d))
	for _, v := range d {
		if algo.Finite(v) {
			abs = append(abs, math.Abs(v))
		}
	}
	if q := quantile(abs, 0.5); q > 0 {
		return q
	}
	return 1
}

// quantile of values (linear interpolation), 0 for none.
func quantile(v []float64, q float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	sort.Float64s(s)
	x := q * float64(len(s)-1)
	i := int(x)
	if i+1 >= len(s) {
		return s[len(s)-1]
	}
	return s[i] + (x-float64(i))*(s[i+1]-s[i])
}

// weight is the sequence evidence's weight for a sample: 1 - half the mean
// familiarity of its images' programs (unknown ones, and traces without
// execs, count 0).
func (m *Model) weight(b *observe.Sample) float64 {
	if b == nil || len(b.Procs) == 0 {
		return 1
	}
	sum := 0.0
	for _, p := range b.Procs {
		if i, ok := m.byName[p.Program]; ok && p.Program != "" {
			sum += familiarity(m.Programs[i].Runs)
		}
	}
	return 1 - 0.5*sum/float64(len(b.Procs))
}

// Score returns each sample's decision (see the package comment); NaN
// when the sample has neither behaviour nor a sequence score.
func (m *Model) Score(s algo.Samples) []float64 {
	out := make([]float64, s.Len())
	var seqDec []float64
	if m.seq != nil && len(s.Seqs) == s.Len() {
		seqDec = m.seq.Score(algo.Samples{Rows: s.Rows, Seqs: s.Seqs})
	}
	for i := range out {
		var b *observe.Sample
		if i < len(s.Behaviour) {
			b = s.Behaviour[i]
		}
		if b == nil && seqDec == nil {
			out[i] = math.NaN()
			continue
		}
		_, _, pen := m.judge(b)
		d := -(pen - m.Tau)
		if seqDec != nil {
			v := seqDec[i]
			if math.IsNaN(v) || math.IsInf(v, -1) {
				out[i] = v // cannot be computed: never normal
				continue
			}
			// Where the programs are well known (w near 1/2), the
			// profiles vouch for the sample: the sequence part can lower
			// its score, hardly raise it.
			w := m.weight(b)
			d += w * math.Max(-10, math.Min(3*(2*w-1), v/m.SeqScale))
		}
		out[i] = d
	}
	return out
}

// Findings returns each sample's deviations from the profiles.
func (m *Model) Findings(s algo.Samples) [][]algo.Finding {
	out := make([][]algo.Finding, max(s.Len(), len(s.Behaviour)))
	for i := range out {
		if i < len(s.Behaviour) {
			_, out[i], _ = m.judge(s.Behaviour[i])
		}
	}
	return out
}

// Explain is the sequence part's explanation, when it gives one.
func (m *Model) Explain(s algo.Samples) []*algo.Explanation {
	if ex, ok := m.seq.(algo.Explainer); ok && len(s.Seqs) == s.Len() {
		return ex.Explain(algo.Samples{Rows: s.Rows, Seqs: s.Seqs})
	}
	return nil
}

// TrainingDecision returns the training samples' decisions.
func (m *Model) TrainingDecision() []float64 { return slices.Clone(m.Train) }

// Params describes the fitted model.
func (m *Model) Params() map[string]string {
	items := 0
	for _, p := range m.Programs {
		items += len(p.Items)
	}
	seq := m.SeqAlgo
	if seq == "" {
		seq = "none"
	}
	return map[string]string{"sequence": seq, "key": keyName(m.Key), "programs": itoa(len(m.Programs)), "items": itoa(items)}
}

// Validate checks a decoded model for n training samples: programs in
// strictly increasing order, each with items in strictly increasing order
// within the bounds and counts in 1..Runs, Runs in 1..Samples, the
// sequence model valid for its own samples, every number finite.
func (m *Model) Validate(dim, n int) error {
	if m.Samples != n || n < 1 {
		return fmt.Errorf("profile model of %d samples, want %d", m.Samples, n)
	}
	if len(m.Programs) > MaxPrograms {
		return fmt.Errorf("profile model: %d programs, at most %d", len(m.Programs), MaxPrograms)
	}
	total := 0
	for i := range m.Programs {
		p := &m.Programs[i]
		if len(p.Name) > MaxNameLen || i > 0 && m.Programs[i-1].Name >= p.Name {
			return fmt.Errorf("profile model: program %d out of order, repeated or too long", i)
		}
		if p.Runs < 1 || int64(p.Runs) > int64(m.Samples) {
			return fmt.Errorf("profile model: program %d ran %d times in %d samples", i, p.Runs, m.Samples)
		}
		if len(p.Items) > MaxItems || len(p.Seen) != len(p.Items) {
			return fmt.Errorf("profile model: program %d has %d items and %d counts", i, len(p.Items), len(p.Seen))
		}
		total += len(p.Items)
		if total > MaxTotalItems {
			return fmt.Errorf("profile model: more than %d items", MaxTotalItems)
		}
		for j, it := range p.Items {
			if len(it) > MaxNameLen || !strings.Contains(it, " ") || j > 0 && p.Items[j-1] >= it {
				return fmt.Errorf("profile model: program %d item %d out of order, repeated, malformed or too long", i, j)
			}
			if p.Seen[j] < 1 || p.Seen[j] > p.Runs {
				return fmt.Errorf("profile model: program %d item %d seen %d times in %d runs", i, j, p.Seen[j], p.Runs)
			}
		}
	}
	if m.Key != "" && m.Key != KeySHA256 {
		return fmt.Errorf("profile model: programs keyed by %q", m.Key)
	}
	if !algo.Finite(m.SeqScale, m.Tau) || m.SeqScale <= 0 || m.Tau < 0 || m.Tau > MaxTau {
		return fmt.Errorf("profile model: scale %v, offset %v out of range", m.SeqScale, m.Tau)
	}
	if len(m.Train) != n || !algo.Finite(m.Train...) {
		return fmt.Errorf("profile model: %d finite training decisions, want %d", len(m.Train), n)
	}
	m.seq = nil
	if m.SeqAlgo != "" {
		if m.SeqAlgo == "profile" || m.SeqAlgo == "none" || !slices.Contains(SequenceModels, m.SeqAlgo) {
			return fmt.Errorf("profile model: sequence part %q", m.SeqAlgo)
		}
		if len(m.Seq) > MaxState || m.SeqSamples < 1 || m.SeqSamples > n {
			return fmt.Errorf("profile model: sequence part of %d bytes for %d samples", len(m.Seq), m.SeqSamples)
		}
		d, err := algo.Decode(m.SeqAlgo, m.Seq, dim, m.SeqSamples)
		if err != nil {
			return fmt.Errorf("profile model: sequence part: %w", err)
		}
		m.seq = d
	} else if len(m.Seq) > 0 || m.SeqSamples != 0 {
		return errors.New("profile model: a sequence part without its name")
	}
	m.index()
	return nil
}

type modelGob Model

// GobEncode encodes the model's exported fields.
func (m *Model) GobEncode() ([]byte, error) { return algo.EncodeGob((*modelGob)(m)) }

// GobDecode decodes a model; Validate (which algo.Decode calls) checks it.
func (m *Model) GobDecode(b []byte) error {
	var g modelGob
	if err := algo.DecodeGob(b, &g); err != nil {
		return fmt.Errorf("profile model: %w", err)
	}
	*m = Model(g)
	return nil
}

// ErrKeys is returned by Merge for models whose programs are keyed
// differently (by path and by digest).
var ErrKeys = errors.New("profile models keyed differently do not merge")

// keyName names a Model.Key for people: "path" for "".
func keyName(k string) string {
	if k == "" {
		return "path"
	}
	return k
}

// checkKeys tells whether the programs' identities are keyed as key says:
// with key sha256 every named identity carries a digest, without it none.
func checkKeys(progs []Program, key string) error {
	for _, p := range progs {
		if p.Name == "" {
			continue
		}
		_, d := observe.SplitDigest(p.Name)
		if (d != "") != (key == KeySHA256) {
			return fmt.Errorf("program %s is not keyed by %s", display(p.Name), keyName(key))
		}
	}
	return nil
}

// Merge returns the union of two fitted profile models: every program of
// either, its runs and each item's count added, and the samples added. The
// sequence part (which does not merge) is the one of the model trained on
// more samples, a's on a tie; Tau is the larger; the training decisions
// are a's then b's. Both must be valid (decoded by algo.Decode).
func Merge(a, b *Model) (*Model, error) {
	if a.Key != b.Key {
		return nil, fmt.Errorf("%w: programs keyed by %s and by %s", ErrKeys, keyName(a.Key), keyName(b.Key))
	}
	out := &Model{Samples: a.Samples + b.Samples, Tau: max(a.Tau, b.Tau), Key: a.Key}
	seqFrom := a
	if b.Samples > a.Samples {
		seqFrom = b
	}
	out.SeqAlgo, out.Seq, out.SeqSamples, out.SeqScale, out.seq = seqFrom.SeqAlgo, seqFrom.Seq, seqFrom.SeqSamples, seqFrom.SeqScale, seqFrom.seq
	i, j := 0, 0
	for i < len(a.Programs) || j < len(b.Programs) {
		switch {
		case j >= len(b.Programs) || i < len(a.Programs) && a.Programs[i].Name < b.Programs[j].Name:
			out.Programs = append(out.Programs, cloneProgram(a.Programs[i]))
			i++
		case i >= len(a.Programs) || b.Programs[j].Name < a.Programs[i].Name:
			out.Programs = append(out.Programs, cloneProgram(b.Programs[j]))
			j++
		default:
			out.Programs = append(out.Programs, mergeProgram(a.Programs[i], b.Programs[j]))
			i++
			j++
		}
	}
	if len(out.Programs) > MaxPrograms {
		return nil, fmt.Errorf("merged model would have %d programs, at most %d", len(out.Programs), MaxPrograms)
	}
	for _, p := range out.Programs {
		if len(p.Items) > MaxItems {
			return nil, fmt.Errorf("merged program %s would have %d items, at most %d", display(p.Name), len(p.Items), MaxItems)
		}
	}
	out.Train = append(slices.Clone(a.Train), b.Train...)
	out.index()
	return out, nil
}

func cloneProgram(p Program) Program {
	return Program{Name: p.Name, Runs: p.Runs, Items: slices.Clone(p.Items), Seen: slices.Clone(p.Seen)}
}

func mergeProgram(a, b Program) Program {
	out := Program{Name: a.Name, Runs: a.Runs + b.Runs}
	i, j := 0, 0
	for i < len(a.Items) || j < len(b.Items) {
		switch {
		case j >= len(b.Items) || i < len(a.Items) && a.Items[i] < b.Items[j]:
			out.Items, out.Seen = append(out.Items, a.Items[i]), append(out.Seen, a.Seen[i])
			i++
		case i >= len(a.Items) || b.Items[j] < a.Items[i]:
			out.Items, out.Seen = append(out.Items, b.Items[j]), append(out.Seen, b.Seen[j])
			j++
		default:
			out.Items, out.Seen = append(out.Items, a.Items[i]), append(out.Seen, a.Seen[i]+b.Seen[j])
			i++
			j++
		}
	}
	return out
}

// Merge unions m with other, which must be a profile model (algo.Merger).
func (m *Model) Merge(other algo.Detector) (algo.Detector, error) {
	o, ok := other.(*Model)
	if !ok {
		return nil, ErrNotProfile
	}
	return Merge(m, o)
}
