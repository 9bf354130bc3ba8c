package evaluate

import (
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/stat"
)

// ROCPoint is one operating point of a ROC curve.
type ROCPoint struct {
	// FalseAlarm is the false-positive rate: the fraction of normal samples
	// flagged, in [0, 1].
	FalseAlarm float64
	// Detection is the true-positive rate: the fraction of attack samples
	// flagged, in [0, 1].
	Detection float64
	// Threshold is the decision score at which the point is reached: the
	// point flags every sample with score <= Threshold. The first point of a
	// curve, (0, 0), flags nothing and has Threshold -Inf. When some sample
	// has a NaN score, the last point, (1, 1), is the one that also flags
	// those samples, and its Threshold is NaN.
	Threshold float64
}

// ROC returns the ROC curve of scores, where attack[i] tells whether sample i
// is an attack (the positive class) and a lower score is more anomalous.
//
// The curve starts at (0, 0), has one point per distinct score in decreasing
// order of anomaly (increasing score, NaN last), and ends at (1, 1); both
// FalseAlarm and Detection are non-decreasing along it. Rates are exact
// ratios of counts (k/n rounded once to float64), so a rate such as 5/100
// compares equal to 0.05.
//
// ROC returns nil when either class is empty. It panics if scores and attack
// differ in length, which is a programming error.
func ROC(scores []float64, attack []bool) []ROCPoint {
	if len(scores) != len(attack) {
		panic(fmt.Sprintf("evaluate: ROC of %d scores with %d labels", len(scores), len(attack)))
	}
	var nPos, nNeg int
	for _, a := range attack {
		if a {
			nPos++
		} else {
			nNeg++
		}
	}
	if nPos == 0 || nNeg == 0 {
		return nil
	}

	// Order the samples from least to most anomalous and replace each score
	// by the dense rank of its tie group. stat.ROC then sees finite, sorted
	// values however hostile the scores are (NaN, ±Inf), and one rank per
	// distinct score keeps ties together as a single point.
	order := make([]int, len(scores))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(i, j int) int { return compareAnomaly(scores[i], scores[j]) })
	ranks := make([]float64, len(order))
	classes := make([]bool, len(order))
	groupScore := make([]float64, 0, len(order)) // score of each rank
	for k, i := range order {
		if k == 0 || compareAnomaly(scores[order[k-1]], scores[i]) != 0 {
			groupScore = append(groupScore, scores[i])
		}
		ranks[k] = float64(len(groupScore) - 1)
		classes[k] = attack[i]
	}

	// tpr[i], fpr[i] are the rates for rank >= thresh[i], from thresh = +Inf
	// (nothing flagged) down to the lowest rank (everything flagged).
	tpr, fpr, thresh := stat.ROC(nil, ranks, classes, nil)
	points := make([]ROCPoint, len(thresh))
	for i, t := range thresh {
		p := ROCPoint{
			FalseAlarm: exactRate(fpr[i], nNeg),
			Detection:  exactRate(tpr[i], nPos),
			Threshold:  math.Inf(-1),
		}
		if !math.IsInf(t, 1) {
			p.Threshold = groupScore[int(t)]
		}
		points[i] = p
	}
	return points
}

// compareAnomaly orders scores from least to most anomalous: NaN first, then
// by decreasing score. Equal scores (and all NaNs) compare equal.
func compareAnomaly(a, b float64) int {
	switch an, bn := math.IsNaN(a), math.IsNaN(b); {
	case an && bn:
		return 0
	case an:
		return -1
	case bn:
		return 1
	case a > b:
		return -1
	case a < b:
		return 1
	}
	return 0
}

// exactRate turns a rate r computed as 1 - k*(1/n) back into the correctly
// rounded k/n.
func exactRate(r float64, n int) float64 {
	return math.Round(r*float64(n)) / float64(n)
}

// AUC returns the area under the ROC curve points, by the trapezoidal rule
// on (FalseAlarm, Detection): 1 for perfect separation, 0.5 for a ranking
// no better than chance (or all-tied scores), 0 when every normal sample
// looks more anomalous than every attack. It equals the probability that a
// random attack sample scores lower than a random normal one, ties counting
// one half (the Mann-Whitney statistic).
//
// points must be in curve order, as ROC returns them. AUC returns NaN for
// fewer than two points (in particular for the nil curve of an empty class).
func AUC(points []ROCPoint) float64 {
	if len(points) < 2 {
		return math.NaN()
	}
	var area float64
	for i := 1; i < len(points); i++ {
		p, q := points[i-1], points[i]
		area += (q.FalseAlarm - p.FalseAlarm) * (p.Detection + q.Detection) / 2
	}
	return area
}

// DRAt returns the detection rate at false-alarm rate fa on the ROC curve
// points, with consecutive points joined by straight lines.
//
// Exactly: with i the last point whose FalseAlarm <= fa, DRAt returns
// points[i].Detection if points[i].FalseAlarm == fa (on a vertical run of
// points at fa this is the highest detection rate reachable without
// exceeding fa), and otherwise interpolates linearly in FalseAlarm between
// points i and i+1. fa is clamped to [0, 1].
//
// points must be in curve order, as ROC returns them. DRAt returns NaN when
// points is empty or fa is NaN.
func DRAt(points []ROCPoint, fa float64) float64 {
	if len(points) == 0 || math.IsNaN(fa) {
		return math.NaN()
	}
	fa = min(max(fa, 0), 1)
	// First point past fa; points[i-1] is then the last one at or below it.
	i, _ := slices.BinarySearchFunc(points, fa, func(p ROCPoint, fa float64) int {
		if p.FalseAlarm <= fa {
			return -1
		}
		return 1
	})
	switch {
	case i == 0: // curve starts to the right of fa: nothing is reachable
		return 0
	case i == len(points):
		return points[i-1].Detection
	}
	p, q := points[i-1], points[i]
	if p.FalseAlarm == fa {
		return p.Detection
	}
	return p.Detection + (q.Detection-p.Detection)*(fa-p.FalseAlarm)/(q.FalseAlarm-p.FalseAlarm)
}
