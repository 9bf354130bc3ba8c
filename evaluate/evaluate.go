package evaluate

import "strconv"

// Sample is one scored trace.
type Sample struct {
	// Name identifies the sample, usually its path.
	Name string
	// Score is the model's decision function: > 0 normal, < 0 anomalous.
	Score float64
	// Attack is true for attack samples (the positive class).
	Attack bool
	// Family is the attack family (see Family); "" for normal samples.
	Family string
}

// Confusion counts samples by true class and the model's own prediction
// (attack iff score < 0). Attacks are the positive class.
type Confusion struct {
	TP int // attacks flagged
	FP int // normal samples flagged (false alarms)
	TN int // normal samples not flagged
	FN int // attacks missed
}

// FalseAlarmRates are the false-alarm rates at which a Report gives detection
// rates, keyed by RateKey.
var FalseAlarmRates = []float64{0.01, 0.05, 0.10}

// RateKey is the key of false-alarm rate fa in Report.DRAtFA and
// FamilyReport.DRAtFA: fa with two decimals, as "0.01", "0.05", "0.10".
func RateKey(fa float64) string {
	return strconv.FormatFloat(fa, 'f', 2, 64)
}

// Report holds the detection quality of a model on a set of samples.
type Report struct {
	// AUC is the ROC AUC with attacks as the positive class and a lower score
	// as more anomalous; NaN when either class is empty.
	AUC float64
	// DRAtFA maps RateKey(fa) to the detection rate at false-alarm rate fa,
	// for each fa in FalseAlarmRates, interpolated on the ROC curve as DRAt
	// does; NaN when either class is empty.
	DRAtFA map[string]float64
	// Confusion is taken at the model's own threshold: attack iff score < 0.
	Confusion Confusion
	// Precision is TP/(TP+FP), 0 when nothing is flagged.
	Precision float64
	// Recall is TP/(TP+FN), 0 when there are no attack samples.
	Recall float64
	// F1 is 2·Precision·Recall/(Precision+Recall), 0 when both are 0.
	F1 float64
	// Families holds one report per attack family, each against all normal
	// samples. Attack samples with Family "" are reported under "".
	Families map[string]FamilyReport
	// Normal and Attack count the samples of each class.
	Normal, Attack int
	// ROC is the whole curve, as ROC returns it; nil when a class is empty.
	ROC []ROCPoint
}

// FamilyReport holds the detection quality on one attack family, measured
// against all normal samples.
type FamilyReport struct {
	// AUC is the ROC AUC of this family's samples against all normal
	// samples; NaN when there are no normal samples.
	AUC float64
	// DRAtFA is as Report.DRAtFA, for this family against all normal samples.
	DRAtFA map[string]float64
	// Attack counts the family's samples.
	Attack int
	// Detected counts the family's samples flagged by the model (score < 0).
	Detected int
}

// Compute returns the report for samples. It never panics, whatever the
// scores (NaN counts as least anomalous, see the package documentation), and
// an empty class gives NaN ranking figures rather than an error.
func Compute(samples []Sample) Report {
	scores := make([]float64, len(samples))
	attack := make([]bool, len(samples))
	var normal []float64
	byFamily := make(map[string][]float64)
	var r Report
	for i, s := range samples {
		scores[i], attack[i] = s.Score, s.Attack
		flagged := s.Score < 0
		if s.Attack {
			r.Attack++
			byFamily[s.Family] = append(byFamily[s.Family], s.Score)
			if flagged {
				r.Confusion.TP++
			} else {
				r.Confusion.FN++
			}
			continue
		}
		r.Normal++
		normal = append(normal, s.Score)
		if flagged {
			r.Confusion.FP++
		} else {
			r.Confusion.TN++
		}
	}

	r.ROC = ROC(scores, attack)
	r.AUC = AUC(r.ROC)
	r.DRAtFA = rates(r.ROC)
	c := r.Confusion
	r.Precision = ratio(c.TP, c.TP+c.FP)
	r.Recall = ratio(c.TP, c.TP+c.FN)
	if sum := r.Precision + r.Recall; sum > 0 {
		r.F1 = 2 * r.Precision * r.Recall / sum
	}

	r.Families = make(map[string]FamilyReport, len(byFamily))
	for name, fam := range byFamily {
		fs := append(append(make([]float64, 0, len(normal)+len(fam)), normal...), fam...)
		fa := make([]bool, len(fs))
		fr := FamilyReport{Attack: len(fam)}
		for i := range fam {
			fa[len(normal)+i] = true
			if fam[i] < 0 {
				fr.Detected++
			}
		}
		curve := ROC(fs, fa)
		fr.AUC = AUC(curve)
		fr.DRAtFA = rates(curve)
		r.Families[name] = fr
	}
	return r
}

// rates returns the detection rates of curve at FalseAlarmRates.
func rates(curve []ROCPoint) map[string]float64 {
	m := make(map[string]float64, len(FalseAlarmRates))
	for _, fa := range FalseAlarmRates {
		m[RateKey(fa)] = DRAt(curve, fa)
	}
	return m
}

// ratio returns num/den, or 0 when den is 0.
func ratio(num, den int) float64 {
	if den == 0 {
		return 0
	}
	return float64(num) / float64(den)
}
