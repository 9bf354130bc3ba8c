package ocsvm

import (
	"math"
	"runtime"
	"sync"
)

// The solver follows the structure of LIBSVM's Solver (Chang and Lin),
// specialised to the one-class problem
//
//	min 0.5 a'Qa  subject to  0 <= a_i <= 1,  sum a_i = nu*l,
//
// with Q_ij = K(x_i, x_j), all labels +1 and no linear term. Positions
// 0..l-1 are permuted by shrinking: active variables first. Every array
// indexed by position is swapped together (swapIndex), and perm maps a
// position back to the training row.

const (
	tau = 1e-12 // smallest curvature used in a step

	lowerBound = 0
	upperBound = 1
	free       = 2
)

type solver struct {
	l, d  int
	gamma float64
	x     []float64 // rows by position, row-major
	xsq   []float64 // squared norms by position
	perm  []int32   // training row at each position

	alpha  []float64
	status []int8
	g      []float64 // gradient Q a
	gBar   []float64 // sum over upper-bound a_j of C*Q_ij
	active int       // number of active positions
	unshrk bool
	cache  *cache
	rho    float64
	iter   int
}

func newSolver(rows [][]float64, d int, nu, gamma float64, cacheBytes int) *solver {
	l := len(rows)
	s := &solver{l: l, d: d, gamma: gamma}
	s.x = make([]float64, 0, l*d)
	s.xsq = make([]float64, l)
	s.perm = make([]int32, l)
	for i, r := range rows {
		s.x = append(s.x, r...)
		var q float64
		for _, v := range r {
			q += v * v
		}
		s.xsq[i] = q
		s.perm[i] = int32(i)
	}
	// LIBSVM's start: the first floor(nu*l) alphas at the upper bound 1,
	// the next one holds the remainder, so that they sum to nu*l.
	s.alpha = make([]float64, l)
	n := int(nu * float64(l))
	for i := 0; i < n && i < l; i++ {
		s.alpha[i] = 1
	}
	if n < l {
		s.alpha[n] = nu*float64(l) - float64(n)
	}
	s.status = make([]int8, l)
	for i := range s.alpha {
		s.updateStatus(i)
	}
	s.cache = newCache(l, cacheBytes)
	return s
}

func (s *solver) updateStatus(i int) {
	switch {
	case s.alpha[i] >= 1:
		s.status[i] = upperBound
	case s.alpha[i] <= 0:
		s.status[i] = lowerBound
	default:
		s.status[i] = free
	}
}

// column returns Q_ij for positions j in [0, n), computing what the cache
// lacks. The slice is valid until the next call.
func (s *solver) column(i, n int) []float32 {
	data, start := s.cache.get(i, n)
	if start < n {
		s.fill(i, data, start, n)
	}
	return data[:n]
}

// fill computes data[j] = K(x_i, x_j) for j in [lo, hi), in parallel when
// the range is long. K uses the squared norms: |a|^2 + |b|^2 - 2 a.b.
func (s *solver) fill(i int, data []float32, lo, hi int) {
	d := s.d
	xi := s.x[i*d : i*d+d]
	qi := s.xsq[i]
	g := s.gamma
	f := func(lo, hi int) {
		for j := lo; j < hi; j++ {
			xj := s.x[j*d : j*d+d]
			var dot float64
			for t, v := range xi {
				dot += v * xj[t]
			}
			data[j] = float32(math.Exp(-g * (qi + s.xsq[j] - 2*dot)))
		}
	}
	const serial = 4096
	if hi-lo < serial || runtime.GOMAXPROCS(0) == 1 {
		f(lo, hi)
		return
	}
	w := runtime.GOMAXPROCS(0)
	size := (hi - lo + w - 1) / w
	var wg sync.WaitGroup
	for a := lo; a < hi; a += size {
		wg.Add(1)
		go func(a, b int) {
			defer wg.Done()
			f(a, b)
		}(a, min(a+size, hi))
	}
	wg.Wait()
}

func (s *solver) swapIndex(i, j int) {
	if i == j {
		return
	}
	s.cache.swapIndex(i, j)
	d := s.d
	for t := 0; t < d; t++ {
		s.x[i*d+t], s.x[j*d+t] = s.x[j*d+t], s.x[i*d+t]
	}
	s.xsq[i], s.xsq[j] = s.xsq[j], s.xsq[i]
	s.perm[i], s.perm[j] = s.perm[j], s.perm[i]
	s.alpha[i], s.alpha[j] = s.alpha[j], s.alpha[i]
	s.status[i], s.status[j] = s.status[j], s.status[i]
	s.g[i], s.g[j] = s.g[j], s.g[i]
	s.gBar[i], s.gBar[j] = s.gBar[j], s.gBar[i]
}

func (s *solver) solve() {
	l := s.l
	s.active = l
	s.g = make([]float64, l)
	s.gBar = make([]float64, l)
	for i := 0; i < l; i++ {
		if s.status[i] == lowerBound {
			continue
		}
		q := s.column(i, l)
		a := s.alpha[i]
		for j, v := range q {
			s.g[j] += a * float64(v)
		}
		if s.status[i] == upperBound {
			for j, v := range q {
				s.gBar[j] += float64(v)
			}
		}
	}

	maxIter := 100 * l
	if maxIter < 10000000 {
		maxIter = 10000000
	}
	counter := min(l, 1000) + 1
	for s.iter < maxIter {
		counter--
		if counter == 0 {
			counter = min(l, 1000)
			s.shrink()
		}
		i, j, ok := s.selectWorkingSet()
		if !ok {
			s.reconstructGradient()
			s.active = l
			i, j, ok = s.selectWorkingSet()
			if !ok {
				break
			}
			counter = 1 // shrink at the next iteration
		}
		s.iter++
		s.step(i, j)
	}
	if s.active < l {
		s.reconstructGradient()
		s.active = l
	}
	s.rho = s.calculateRho()
}

// step optimises the pair (i, j) analytically, keeping a_i + a_j fixed,
// and updates the gradient.
func (s *solver) step(i, j int) {
	n := s.active
	// An evicted column's slice stays valid (the cache never reuses its
	// memory), so qi survives the fetch of qj.
	qi := s.column(i, n)
	qj := s.column(j, n)

	oldI, oldJ := s.alpha[i], s.alpha[j]
	quad := 2 - 2*float64(qi[j]) // K(x,x) = 1 for the RBF kernel
	if quad <= 0 {
		quad = tau
	}
	delta := (s.g[i] - s.g[j]) / quad
	sum := oldI + oldJ
	ai := oldI - delta
	aj := oldJ + delta
	if sum > 1 {
		if ai > 1 {
			ai = 1
			aj = sum - 1
		}
	} else if aj < 0 {
		aj = 0
		ai = sum
	}
	if sum > 1 {
		if aj > 1 {
			aj = 1
			ai = sum - 1
		}
	} else if ai < 0 {
		ai = 0
		aj = sum
	}
	s.alpha[i], s.alpha[j] = ai, aj

	di, dj := ai-oldI, aj-oldJ
	g := s.g[:n]
	for k := range g {
		g[k] += float64(qi[k])*di + float64(qj[k])*dj
	}

	ui, uj := s.status[i] == upperBound, s.status[j] == upperBound
	s.updateStatus(i)
	s.updateStatus(j)
	if ui != (s.status[i] == upperBound) {
		s.addGBar(i, ui)
	}
	if uj != (s.status[j] == upperBound) {
		s.addGBar(j, uj)
	}
}

// addGBar removes (wasUpper) or adds column i to gBar over all positions.
func (s *solver) addGBar(i int, wasUpper bool) {
	q := s.column(i, s.l)
	if wasUpper {
		for k, v := range q {
			s.gBar[k] -= float64(v)
		}
	} else {
		for k, v := range q {
			s.gBar[k] += float64(v)
		}
	}
}

// selectWorkingSet picks i maximising -G_i over a_i < 1 and then j
// maximising the second-order decrease over a_j > 0 (WSS 2 of Fan, Chen
// and Lin). ok is false when the maximal violation is below tolerance.
func (s *solver) selectWorkingSet() (int, int, bool) {
	n := s.active
	gmax, gmax2 := math.Inf(-1), math.Inf(-1)
	gmaxIdx, gminIdx := -1, -1
	objMin := math.Inf(1)
	for t := 0; t < n; t++ {
		if s.status[t] != upperBound && -s.g[t] >= gmax {
			gmax = -s.g[t]
			gmaxIdx = t
		}
	}
	i := gmaxIdx
	var qi []float32
	if i != -1 {
		qi = s.column(i, n)
	}
	for j := 0; j < n; j++ {
		if s.status[j] == lowerBound {
			continue
		}
		gj := s.g[j]
		diff := gmax + gj
		if gj >= gmax2 {
			gmax2 = gj
		}
		if diff > 0 {
			quad := 2 - 2*float64(qi[j])
			var obj float64
			if quad > 0 {
				obj = -(diff * diff) / quad
			} else {
				obj = -(diff * diff) / tau
			}
			if obj <= objMin {
				gminIdx = j
				objMin = obj
			}
		}
	}
	if gmax+gmax2 < tolerance || gminIdx == -1 {
		return 0, 0, false
	}
	return gmaxIdx, gminIdx, true
}

func (s *solver) beShrunk(i int, gmax1, gmax2 float64) bool {
	switch s.status[i] {
	case upperBound:
		return -s.g[i] > gmax1
	case lowerBound:
		return s.g[i] > gmax2
	}
	return false
}

func (s *solver) shrink() {
	gmax1, gmax2 := math.Inf(-1), math.Inf(-1)
	for i := 0; i < s.active; i++ {
		if s.status[i] != upperBound && -s.g[i] >= gmax1 {
			gmax1 = -s.g[i]
		}
		if s.status[i] != lowerBound && s.g[i] >= gmax2 {
			gmax2 = s.g[i]
		}
	}
	if !s.unshrk && gmax1+gmax2 <= tolerance*10 {
		s.unshrk = true
		s.reconstructGradient()
		s.active = s.l
	}
	for i := 0; i < s.active; i++ {
		if !s.beShrunk(i, gmax1, gmax2) {
			continue
		}
		s.active--
		for s.active > i {
			if !s.beShrunk(s.active, gmax1, gmax2) {
				s.swapIndex(i, s.active)
				break
			}
			s.active--
		}
	}
}

// reconstructGradient recomputes G for the inactive positions from gBar
// and the free variables.
func (s *solver) reconstructGradient() {
	l, n := s.l, s.active
	if n == l {
		return
	}
	for j := n; j < l; j++ {
		s.g[j] = s.gBar[j]
	}
	nFree := 0
	for j := 0; j < n; j++ {
		if s.status[j] == free {
			nFree++
		}
	}
	if nFree*l > 2*n*(l-n) {
		for i := n; i < l; i++ {
			q := s.column(i, n)
			var add float64
			for j := 0; j < n; j++ {
				if s.status[j] == free {
					add += s.alpha[j] * float64(q[j])
				}
			}
			s.g[i] += add
		}
		return
	}
	for i := 0; i < n; i++ {
		if s.status[i] != free {
			continue
		}
		q := s.column(i, l)
		a := s.alpha[i]
		for j := n; j < l; j++ {
			s.g[j] += a * float64(q[j])
		}
	}
}

// calculateRho averages G over the free variables, or takes the midpoint
// of the bounds when none is free, as LIBSVM does.
func (s *solver) calculateRho() float64 {
	ub, lb := math.Inf(1), math.Inf(-1)
	var sumFree float64
	nFree := 0
	for i := 0; i < s.active; i++ {
		g := s.g[i]
		switch s.status[i] {
		case upperBound:
			lb = math.Max(lb, g)
		case lowerBound:
			ub = math.Min(ub, g)
		default:
			nFree++
			sumFree += g
		}
	}
	if nFree > 0 {
		return sumFree / float64(nFree)
	}
	return (ub + lb) / 2
}

// solution returns alpha in training-row order.
func (s *solver) solution() []float64 {
	out := make([]float64, s.l)
	for p, r := range s.perm {
		out[r] = s.alpha[p]
	}
	return out
}

// trainingDecision returns G_i - rho in training-row order: with all
// labels +1 and no linear term, G = Q alpha is the kernel sum of each row.
func (s *solver) trainingDecision() []float64 {
	out := make([]float64, s.l)
	for p, r := range s.perm {
		out[r] = s.g[p] - s.rho
	}
	return out
}
