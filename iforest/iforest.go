// Package iforest is an Isolation Forest (Liu, Ting and Zhou, ICDM 2008)
// built as scikit-learn 1.2's IsolationForest builds it, with its own
// random stream.
//
// Fit takes already-standardized training rows and Params. Each of
// Params.Trees trees is grown on MaxSamples training rows drawn without
// replacement: at every node a feature is drawn uniformly among those that
// are not constant on the node's rows (a range of at most 1e-7 counts as
// constant, as in scikit-learn) and the node is split at a threshold drawn
// uniformly in [min, max) of that feature, rows with a value <= threshold
// going left. A node becomes a leaf when it holds one row, when every
// feature is constant on its rows, or at depth ceil(log2(MaxSamples)).
//
// The fitted Model's ScoreSamples is scikit-learn's score_samples,
// -2^(-E[h(x)] / c(MaxSamples)), where h(x) is the depth of the leaf x
// falls into plus c(n) for the n training rows that leaf holds, E is the
// mean over the trees, and c(n) is the average path length of an
// unsuccessful search in a binary search tree of n keys (c(1) = 0,
// c(2) = 1, c(n) = 2(ln(n-1) + Euler's gamma) - 2(n-1)/n). It lies in
// [-1, 0); lower is more anomalous. Decision is decision_function:
// ScoreSamples(x) - Offset, with Offset -0.5 for contamination "auto" and
// otherwise the contamination quantile of the training rows' ScoreSamples.
// A value above 0 is an inlier, below 0 an outlier.
//
// The scores cannot equal scikit-learn's bit for bit, since the random
// streams differ; they follow the same distribution. Scikit-learn also
// rounds its input to float32, which this package does not. Fitting is
// deterministic: each tree draws from its own PCG stream seeded from
// (Params.Seed, tree index), so the same rows and seed give the same model,
// bit for bit, for any Params.Jobs and GOMAXPROCS.
//
// A Model is a set of flat arrays that encoding/gob stores as they are. A
// decoded model must pass Validate before it is used: scoring trusts the
// tree structure that Validate checks. Scoring runs on all cores; a row's
// score never depends on the other rows scored with it.
package iforest

import (
	"errors"
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"

	"detector/features"
)

// DefaultTrees is the number of trees scikit-learn grows by default
// (n_estimators).
const DefaultTrees = 100

// AutoMaxSamples is the subsample size of max_samples "auto" (capped at
// the number of training rows).
const AutoMaxSamples = 256

// featureThreshold is scikit-learn's FEATURE_THRESHOLD: a feature whose
// range on a node's rows is at most this is constant there.
const featureThreshold = 1e-7

// maxTrees bounds Params.Trees and the tree count of a model file.
const maxTrees = 1 << 20

// eulerGamma is the Euler-Mascheroni constant (numpy's euler_gamma).
const eulerGamma = 0.5772156649015329

// MaxSamples is the number of training rows each tree is grown on, as
// scikit-learn's max_samples: "auto", a count or a fraction. The zero
// value is "auto".
type MaxSamples struct {
	// Count, when positive, asks for that many rows (capped at the number
	// of training rows, as scikit-learn caps it with a warning).
	Count int
	// Fraction, when positive, asks for int(Fraction * n) of n rows.
	Fraction float64
}

// ParseMaxSamples reads a --max-samples value: "auto"; a whole number
// N >= 1 (a count of rows); or a number F in (0, 1] with a decimal point
// or an exponent (a fraction of the rows, so "1" is one row and "1.0" all
// of them).
func ParseMaxSamples(s string) (MaxSamples, error) {
	if s == "auto" {
		return MaxSamples{}, nil
	}
	if n, err := strconv.Atoi(s); err == nil {
		if n < 1 {
			return MaxSamples{}, fmt.Errorf("max samples %q: a count of rows must be at least 1", s)
		}
		return MaxSamples{Count: n}, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || !(f > 0 && f <= 1) {
		return MaxSamples{}, fmt.Errorf("max samples %q is not auto, a whole number of rows >= 1 or a fraction in (0, 1]", s)
	}
	return MaxSamples{Fraction: f}, nil
}

// String gives the value back as ParseMaxSamples reads it.
func (ms MaxSamples) String() string {
	switch {
	case ms.Count > 0:
		return strconv.Itoa(ms.Count)
	case ms.Fraction > 0:
		s := strconv.FormatFloat(ms.Fraction, 'g', -1, 64)
		if _, err := strconv.Atoi(s); err == nil {
			s += ".0" // keep it a fraction when read back
		}
		return s
	}
	return "auto"
}

// Resolve returns the subsample size for n training rows, as scikit-learn
// computes max_samples_: auto is min(256, n), a count N is min(N, n)
// (capped reports whether N was larger), a fraction F is int(F * n), which
// must be at least 1.
func (ms MaxSamples) Resolve(n int) (size int, capped bool, err error) {
	if n < 1 {
		return 0, false, errors.New("no training rows")
	}
	switch {
	case ms.Count < 0 || ms.Fraction < 0 || (ms.Count > 0 && ms.Fraction > 0) || !(ms.Fraction <= 1):
		return 0, false, fmt.Errorf("max samples %+v is invalid", ms)
	case ms.Count > 0:
		if ms.Count > n {
			return n, true, nil
		}
		return ms.Count, false, nil
	case ms.Fraction > 0:
		size = int(ms.Fraction * float64(n))
		if size < 1 {
			return 0, false, fmt.Errorf("max samples %v of %d rows is less than one row", ms.Fraction, n)
		}
		return size, false, nil
	}
	return min(AutoMaxSamples, n), false, nil
}

// ParseContamination reads a --contamination value: "auto" (returned as 0)
// or a fraction in (0, 0.5].
func ParseContamination(s string) (float64, error) {
	if s == "auto" {
		return 0, nil
	}
	c, err := strconv.ParseFloat(s, 64)
	if err != nil || !(c > 0 && c <= 0.5) {
		return 0, fmt.Errorf("contamination %q is not auto or a fraction in (0, 0.5]", s)
	}
	return c, nil
}

// Params are the parameters of Fit.
type Params struct {
	// Trees is the number of trees (scikit-learn's n_estimators), at
	// least 1; DefaultTrees is scikit-learn's default.
	Trees int
	// MaxSamples is the number of rows each tree is grown on.
	MaxSamples MaxSamples
	// Contamination is 0 for "auto" (Offset -0.5) or a fraction in
	// (0, 0.5]: the Offset is then the 100*Contamination-th percentile of
	// the training rows' ScoreSamples (numpy's linear interpolation), so
	// that about that fraction of them has a Decision below 0.
	Contamination float64
	// Seed selects the random stream; the same rows and Seed give the same
	// model.
	Seed uint64
	// Jobs is the number of goroutines growing trees and scoring the
	// training rows; below 1 means GOMAXPROCS. It never changes the model.
	Jobs int
}

// DefaultParams are scikit-learn's defaults: 100 trees, max_samples and
// contamination "auto", seed 0.
func DefaultParams() Params { return Params{Trees: DefaultTrees} }

// Model is a fitted Isolation Forest. All fields are exported so that it
// can be stored with encoding/gob; treat them as read-only, decode into a
// new Model, and call Validate on a model that was decoded rather than
// fitted. The zero Model is not usable; build one with Fit.
//
// The trees are stored one after another in the node arrays, each in
// depth-first order (a node, its left subtree, its right subtree, so an
// inner node's left child is the node after it); tree t holds the nodes
// [TreeStart[t], TreeStart[t+1]), its root first.
type Model struct {
	// Features is the number of columns of a row.
	Features int
	// MaxSamples is the number of training rows each tree was grown on
	// (scikit-learn's max_samples_).
	MaxSamples int
	// Contamination is Params.Contamination: 0 for "auto".
	Contamination float64
	// Offset is subtracted from ScoreSamples to give Decision.
	Offset float64
	// Seed is Params.Seed.
	Seed uint64

	// TreeStart has one entry per tree and a last one equal to the node
	// count.
	TreeStart []int32
	// Feature is the split feature of an inner node, -1 at a leaf.
	Feature []int32
	// Threshold is the split threshold of an inner node (rows with a value
	// <= Threshold go left), 0 at a leaf.
	Threshold []float64
	// Left and Right are the node indices of an inner node's children, -1
	// at a leaf.
	Left, Right []int32
	// NodeSamples is the number of the tree's training rows that reach the
	// node (scikit-learn's n_node_samples).
	NodeSamples []int32

	// Train is the Decision of every training row, in training order.
	Train []float64

	once  sync.Once
	nodes []node // packed for scoring by prepare
}

// Fit grows an Isolation Forest on the standardized rows x, which must all
// have the same non-zero length and hold finite numbers. A MaxSamples count
// above the number of rows is capped, as scikit-learn caps it with a
// warning (MaxSamples.Resolve reports it); a fraction of less than one row
// is an error. Fit also scores the training rows (Train), to set the
// offset and for TrainingDecision.
func Fit(x [][]float64, p Params) (*Model, error) {
	d, err := features.CheckRows(x)
	if err != nil {
		return nil, fmt.Errorf("fit isolation forest: %w", err)
	}
	if p.Trees < 1 || p.Trees > maxTrees {
		return nil, fmt.Errorf("fit isolation forest: %d trees not in [1, %d]", p.Trees, maxTrees)
	}
	if !(p.Contamination >= 0 && p.Contamination <= 0.5) {
		return nil, fmt.Errorf("fit isolation forest: contamination %v not in (0, 0.5] or auto", p.Contamination)
	}
	n := len(x)
	if n > math.MaxInt32 {
		return nil, fmt.Errorf("fit isolation forest: %d rows are too many", n)
	}
	ms, _, err := p.MaxSamples.Resolve(n)
	if err != nil {
		return nil, fmt.Errorf("fit isolation forest: %w", err)
	}
	if int64(p.Trees)*int64(2*ms-1) > math.MaxInt32 {
		return nil, fmt.Errorf("fit isolation forest: %d trees of %d rows are too many nodes", p.Trees, ms)
	}
	jobs := p.Jobs
	if jobs < 1 {
		jobs = runtime.GOMAXPROCS(0)
	}

	// Column-major copy: a node scans one feature over its rows.
	cols := make([][]float64, d)
	for j := range cols {
		cols[j] = make([]float64, n)
		for i, r := range x {
			cols[j][i] = r[j]
		}
	}
	trees := make([]*tree, p.Trees)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(jobs, p.Trees) {
		wg.Go(func() {
			b := newBuilder(cols, n, ms)
			for {
				t := int(next.Add(1) - 1)
				if t >= p.Trees {
					return
				}
				trees[t] = b.grow(treeRand(p.Seed, t))
			}
		})
	}
	wg.Wait()

	m := &Model{Features: d, MaxSamples: ms, Contamination: p.Contamination, Seed: p.Seed}
	total := 0
	for _, t := range trees {
		total += len(t.feature)
	}
	m.TreeStart = make([]int32, 0, p.Trees+1)
	m.Feature = make([]int32, 0, total)
	m.Threshold = make([]float64, 0, total)
	m.Left = make([]int32, 0, total)
	m.Right = make([]int32, 0, total)
	m.NodeSamples = make([]int32, 0, total)
	for _, t := range trees {
		base := int32(len(m.Feature))
		m.TreeStart = append(m.TreeStart, base)
		m.Feature = append(m.Feature, t.feature...)
		m.Threshold = append(m.Threshold, t.threshold...)
		m.NodeSamples = append(m.NodeSamples, t.samples...)
		for i := range t.left {
			l, r := t.left[i], t.right[i]
			if l >= 0 {
				l += base
				r += base
			}
			m.Left = append(m.Left, l)
			m.Right = append(m.Right, r)
		}
	}
	m.TreeStart = append(m.TreeStart, int32(len(m.Feature)))

	scores := m.scoreSamplesAll(x, jobs)
	if p.Contamination == 0 {
		m.Offset = -0.5
	} else {
		m.Offset = percentile(scores, 100*p.Contamination)
	}
	m.Train = make([]float64, n)
	for i, s := range scores {
		m.Train[i] = s - m.Offset
	}
	return m, nil
}

// treeRand is tree t's random stream: a PCG whose two state words are
// SplitMix64 mixes of the seed and the tree index, so that the streams of
// neighbouring trees and seeds are unrelated.
func treeRand(seed uint64, t int) *rand.Rand {
	a := splitmix64(seed)
	b := splitmix64(a ^ splitmix64(uint64(t)+0x632be59bd9b4e019))
	return rand.New(rand.NewPCG(a, b))
}

// splitmix64 is the finalizer of Steele, Lea and Flood's SplitMix64.
func splitmix64(z uint64) uint64 {
	z += 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// tree is one grown tree, with children indexed within the tree.
type tree struct {
	feature   []int32
	threshold []float64
	left      []int32
	right     []int32
	samples   []int32
}

// builder grows trees on the columns cols of n rows, ms rows a tree. It
// keeps its scratch space between trees; one builder serves one goroutine.
type builder struct {
	cols     [][]float64
	ms       int
	maxDepth int
	perm     []int32   // 0..n-1, partly shuffled to draw rows
	rows     []int32   // the tree's rows, reordered by the splits
	cand     [][]int32 // per depth: features not known to be constant
	rng      *rand.Rand
	t        *tree
}

func newBuilder(cols [][]float64, n, ms int) *builder {
	b := &builder{cols: cols, ms: ms, maxDepth: MaxDepth(ms)}
	b.perm = make([]int32, n)
	b.rows = make([]int32, ms)
	b.cand = make([][]int32, b.maxDepth+1)
	for i := range b.cand {
		b.cand[i] = make([]int32, 0, len(cols))
	}
	return b
}

// MaxDepth is the depth limit of a tree grown on ms rows:
// ceil(log2(max(ms, 2))), as scikit-learn sets it.
func MaxDepth(ms int) int {
	depth := 0
	for s := max(ms, 2) - 1; s > 0; s >>= 1 {
		depth++
	}
	return depth
}

func (b *builder) grow(rng *rand.Rand) *tree {
	b.rng = rng
	// Draw ms distinct rows: a partial Fisher-Yates shuffle.
	for i := range b.perm {
		b.perm[i] = int32(i)
	}
	n := len(b.perm)
	for i := range b.ms {
		j := i + rng.IntN(n-i)
		b.perm[i], b.perm[j] = b.perm[j], b.perm[i]
	}
	copy(b.rows, b.perm[:b.ms])
	all := b.cand[0][:0]
	for j := range b.cols {
		all = append(all, int32(j))
	}
	b.cand[0] = all
	size := 2*b.ms - 1
	b.t = &tree{
		feature:   make([]int32, 0, size),
		threshold: make([]float64, 0, size),
		left:      make([]int32, 0, size),
		right:     make([]int32, 0, size),
		samples:   make([]int32, 0, size),
	}
	b.node(0, b.ms, 0)
	t := b.t
	b.t, b.rng = nil, nil
	return t
}

// node grows the subtree of the rows b.rows[lo:hi] at the given depth,
// whose candidate features are b.cand[depth], and returns its index.
func (b *builder) node(lo, hi, depth int) int32 {
	t := b.t
	id := int32(len(t.feature))
	t.feature = append(t.feature, -1)
	t.threshold = append(t.threshold, 0)
	t.left = append(t.left, -1)
	t.right = append(t.right, -1)
	t.samples = append(t.samples, int32(hi-lo))
	if depth >= b.maxDepth || hi-lo < 2 {
		return id
	}
	rows := b.rows[lo:hi]
	cand := b.cand[depth]
	// Draw features without replacement until one is not constant on the
	// rows; the constant ones are dropped for the whole subtree.
	for len(cand) > 0 {
		k := b.rng.IntN(len(cand))
		f := cand[k]
		col := b.cols[f]
		vmin, vmax := col[rows[0]], col[rows[0]]
		for _, r := range rows[1:] {
			v := col[r]
			if v < vmin {
				vmin = v
			} else if v > vmax {
				vmax = v
			}
		}
		if vmax <= vmin+featureThreshold {
			cand[k] = cand[len(cand)-1]
			cand = cand[:len(cand)-1]
			b.cand[depth] = cand
			continue
		}
		thr := uniform(vmin, vmax, b.rng.Float64())
		// Partition: rows with a value <= thr first.
		p := 0
		for i, r := range rows {
			if col[r] <= thr {
				rows[p], rows[i] = rows[i], rows[p]
				p++
			}
		}
		t.feature[id] = f
		t.threshold[id] = thr
		b.cand[depth+1] = append(b.cand[depth+1][:0], cand...)
		l := b.node(lo, lo+p, depth+1)
		b.cand[depth+1] = append(b.cand[depth+1][:0], cand...)
		r := b.node(lo+p, hi, depth+1)
		t.left[id], t.right[id] = l, r
		return id
	}
	return id
}

// uniform maps u in [0, 1) to a threshold in [lo, hi) as scikit-learn's
// rand_uniform does, (hi - lo) * u + lo, with a value that rounds to hi
// replaced by lo; it stays finite when hi - lo overflows.
func uniform(lo, hi, u float64) float64 {
	w := hi - lo
	var t float64
	if math.IsInf(w, 0) {
		t = lo*(1-u) + hi*u
	} else {
		t = w*u + lo
	}
	if !(t >= lo && t < hi) {
		t = lo
	}
	return t
}

// AveragePathLength is c(n), the average path length of an unsuccessful
// search in a binary search tree of n keys, as scikit-learn's
// _average_path_length computes it: 0 for n <= 1, 1 for n = 2, else
// 2(ln(n-1) + Euler's gamma) - 2(n-1)/n.
func AveragePathLength(n int) float64 {
	switch {
	case n <= 1:
		return 0
	case n == 2:
		return 1
	}
	m := float64(n)
	return 2*(math.Log(m-1)+eulerGamma) - 2*(m-1)/m
}

// Trees is the number of trees.
func (m *Model) Trees() int { return max(len(m.TreeStart)-1, 0) }

// node is a tree node packed for scoring: an inner node's left child is
// the next node (depth-first order), so one 16-byte load serves a step.
type node struct {
	// key is orderKey of an inner node's threshold, or the bits of a
	// leaf's path length: its depth + c(NodeSamples), written as
	// scikit-learn sums it, (depth + 1) + c(n) - 1.
	key uint64
	// feature is the split feature, -1 at a leaf.
	feature int32
	// right is the right child of an inner node, counted from the root of
	// its tree.
	right int32
}

// orderKey maps a float64 that is not NaN to a uint64 in the same order,
// with -0 and +0 equal, so that a step down a tree is an integer
// comparison taken without a branch: the comparison is a coin toss, which
// a branch predictor cannot learn.
func orderKey(v float64) uint64 {
	if v == 0 {
		v = 0 // -0 as +0
	}
	b := math.Float64bits(v)
	if b>>63 != 0 {
		return ^b
	}
	return b | 1<<63
}

// prepare packs the nodes for scoring, once.
func (m *Model) prepare() []node {
	m.once.Do(func() {
		nodes := make([]node, len(m.Feature))
		depth := make([]int32, len(m.Feature))
		for t := 0; t < len(m.TreeStart)-1; t++ {
			base := m.TreeStart[t]
			for i := base; i < m.TreeStart[t+1]; i++ {
				if f := m.Feature[i]; f >= 0 {
					nodes[i] = node{key: orderKey(m.Threshold[i]), feature: f, right: m.Right[i] - base}
					depth[m.Left[i]] = depth[i] + 1
					depth[m.Right[i]] = depth[i] + 1
					continue
				}
				pl := float64(depth[i]+1) + AveragePathLength(int(m.NodeSamples[i])) - 1
				nodes[i] = node{key: math.Float64bits(pl), feature: -1}
			}
		}
		m.nodes = nodes
	})
	return m.nodes
}

// ScoreSamples returns scikit-learn's score_samples of the standardized
// row x: -2^(-E[h(x)] / c(MaxSamples)), in [-1, 0), lower for a more
// anomalous row. A row of the wrong length or with NaN or infinite values
// gives NaN.
func (m *Model) ScoreSamples(x []float64) float64 {
	if !m.validRow(x) {
		return math.NaN()
	}
	var out [1]float64
	m.scoreBlock([][]float64{x}, out[:], m.prepare(), make([]uint64, len(x)))
	return out[0]
}

// scoreBlock writes the score of each row of x, all valid, to out (at
// most blockRows rows); keys is scratch space for len(x)*Features keys. It
// walks the trees one at a time over all the rows, so that a tree stays in
// cache, and adds each row's path lengths in tree order, so that a row's
// score does not depend on the other rows.
func (m *Model) scoreBlock(x [][]float64, out []float64, nodes []node, keys []uint64) {
	d := m.Features
	for r, row := range x {
		for j, v := range row {
			keys[r*d+j] = orderKey(v)
		}
	}
	var depths [blockRows]float64
	for t := 0; t < len(m.TreeStart)-1; t++ {
		tree := nodes[m.TreeStart[t]:m.TreeStart[t+1]]
		for r := range x {
			rk := keys[r*d : (r+1)*d]
			i := uint64(0)
			n := tree[0]
			for n.feature >= 0 {
				// right := rk[feature] > key, without a branch: the
				// borrow of key - rk[feature].
				_, right := bits.Sub64(n.key, rk[n.feature], 0)
				mask := -right
				i = (i+1)&^mask | uint64(n.right)&mask
				n = tree[i]
			}
			depths[r] += math.Float64frombits(n.key)
		}
	}
	// One training row: the mean path and c(1) are both 0, and
	// scikit-learn takes their ratio as 1.
	den := float64(m.Trees()) * AveragePathLength(m.MaxSamples)
	for r := range x {
		q := 1.0
		if den != 0 {
			q = depths[r] / den
		}
		out[r] = -math.Exp2(-q)
	}
}

// blockRows is the number of rows scoreBlock scores together.
const blockRows = 64

// ScoreSamplesAll returns ScoreSamples of every row of x, in order,
// computed on all cores (GOMAXPROCS goroutines).
func (m *Model) ScoreSamplesAll(x [][]float64) []float64 {
	return m.scoreSamplesAll(x, runtime.GOMAXPROCS(0))
}

// scoreSamplesAll is ScoreSamplesAll on the given number of goroutines.
func (m *Model) scoreSamplesAll(x [][]float64, workers int) []float64 {
	nodes := m.prepare()
	out := make([]float64, len(x))
	parallel((len(x)+blockRows-1)/blockRows, workers, func(lo, hi int) {
		rows := make([][]float64, 0, blockRows)
		idx := make([]int, 0, blockRows)
		var scores [blockRows]float64
		keys := make([]uint64, blockRows*m.Features)
		for b := lo; b < hi; b++ {
			rows, idx = rows[:0], idx[:0]
			for i := b * blockRows; i < min((b+1)*blockRows, len(x)); i++ {
				if m.validRow(x[i]) {
					rows = append(rows, x[i])
					idx = append(idx, i)
				} else {
					out[i] = math.NaN()
				}
			}
			m.scoreBlock(rows, scores[:len(rows)], nodes, keys)
			for k, i := range idx {
				out[i] = scores[k]
			}
		}
	})
	return out
}

// Decision returns scikit-learn's decision_function of the standardized
// row x: ScoreSamples(x) - Offset, above 0 for an inlier. A row of the
// wrong length or with NaN or infinite values gives NaN.
func (m *Model) Decision(x []float64) float64 {
	return m.ScoreSamples(x) - m.Offset
}

// DecisionAll returns Decision of every row of x, in order, computed on
// all cores (GOMAXPROCS goroutines).
func (m *Model) DecisionAll(x [][]float64) []float64 {
	out := m.ScoreSamplesAll(x)
	for i := range out {
		out[i] -= m.Offset
	}
	return out
}

// TrainingDecision returns the Decision of the training rows, in training
// order, as computed at Fit (see Train).
func (m *Model) TrainingDecision() []float64 {
	return slices.Clone(m.Train)
}

// Params describes the model for display: "trees", "max_samples",
// "contamination" ("auto" or the fraction), "offset", "seed" and "nodes".
func (m *Model) Params() map[string]string {
	c := "auto"
	if m.Contamination > 0 {
		c = strconv.FormatFloat(m.Contamination, 'g', -1, 64)
	}
	return map[string]string{
		"trees":         strconv.Itoa(m.Trees()),
		"max_samples":   strconv.Itoa(m.MaxSamples),
		"contamination": c,
		"offset":        strconv.FormatFloat(m.Offset, 'g', 6, 64),
		"seed":          strconv.FormatUint(m.Seed, 10),
		"nodes":         strconv.Itoa(len(m.Feature)),
	}
}

func (m *Model) validRow(x []float64) bool {
	if len(x) != m.Features || len(m.TreeStart) < 2 {
		return false
	}
	for _, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}

// percentile is numpy.percentile(a, q) with the default linear method.
func percentile(a []float64, q float64) float64 {
	s := slices.Clone(a)
	slices.Sort(s)
	vi := float64(len(s)-1) * (q / 100)
	prev := math.Floor(vi)
	lo := min(int(prev), len(s)-1)
	hi := min(lo+1, len(s)-1)
	g := vi - prev
	a0, b0 := s[lo], s[hi]
	diff := b0 - a0
	// numpy's _lerp: from the nearer end, so that g = 1 gives b0 exactly.
	if g >= 0.5 {
		return b0 - diff*(1-g)
	}
	return a0 + diff*g
}

// parallel runs fn over [0, n) in contiguous chunks on the given number
// of goroutines; each index is handled exactly once.
func parallel(n, workers int, fn func(lo, hi int)) {
	chunks := min(workers*8, n)
	if chunks <= 1 || workers <= 1 {
		fn(0, n)
		return
	}
	size := (n + chunks - 1) / chunks
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				lo := int(next.Add(int64(size)) - int64(size))
				if lo >= n {
					return
				}
				fn(lo, min(lo+size, n))
			}
		})
	}
	wg.Wait()
}
