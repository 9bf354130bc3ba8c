package evaluate

import (
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
)

func TestComputeConfusion(t *testing.T) {
	for _, tc := range []struct {
		name                  string
		samples               []Sample
		want                  Confusion
		precision, recall, f1 float64
	}{
		{
			name: "mixed",
			// TP=3 FP=1 FN=3 TN=2: P=3/4, R=1/2, F1=2·(3/8)/(5/4)=0.6.
			samples: []Sample{
				{Score: -1, Attack: true}, {Score: -0.1, Attack: true}, {Score: -5, Attack: true},
				{Score: 0, Attack: true}, {Score: 2, Attack: true}, {Score: math.NaN(), Attack: true},
				{Score: -0.5}, {Score: 0}, {Score: 1},
			},
			want:      Confusion{TP: 3, FP: 1, TN: 2, FN: 3},
			precision: 0.75, recall: 0.5, f1: 0.6,
		},
		{
			name:    "nothing flagged",
			samples: []Sample{{Score: 1, Attack: true}, {Score: 1}},
			want:    Confusion{TN: 1, FN: 1},
			// Precision is 0/0, defined as 0; recall 0/1; F1 0/0, defined as 0.
		},
		{
			name:    "no attacks",
			samples: []Sample{{Score: -1}, {Score: 1}},
			want:    Confusion{FP: 1, TN: 1},
			// Precision 0/1, recall 0/0 defined as 0, F1 0.
		},
		{
			name:      "all caught, no false alarm",
			samples:   []Sample{{Score: -1, Attack: true}, {Score: 1}},
			want:      Confusion{TP: 1, TN: 1},
			precision: 1, recall: 1, f1: 1,
		},
		{name: "empty"},
	} {
		r := Compute(tc.samples)
		if r.Confusion != tc.want {
			t.Errorf("%s: Confusion = %+v, want %+v", tc.name, r.Confusion, tc.want)
		}
		if !near(r.Precision, tc.precision, 1e-12) || !near(r.Recall, tc.recall, 1e-12) || !near(r.F1, tc.f1, 1e-12) {
			t.Errorf("%s: P, R, F1 = %v, %v, %v; want %v, %v, %v",
				tc.name, r.Precision, r.Recall, r.F1, tc.precision, tc.recall, tc.f1)
		}
		c := r.Confusion
		if r.Attack != c.TP+c.FN || r.Normal != c.FP+c.TN {
			t.Errorf("%s: Attack, Normal = %d, %d; confusion %+v", tc.name, r.Attack, r.Normal, c)
		}
	}
}

func TestComputeEmptyClass(t *testing.T) {
	for _, tc := range []struct {
		name    string
		samples []Sample
	}{
		{"no samples", nil},
		{"no attacks", []Sample{{Score: 1}, {Score: -1}}},
		{"no normals", []Sample{{Score: -1, Attack: true, Family: "Hydra_FTP"}, {Score: 1, Attack: true, Family: "Adduser"}}},
	} {
		r := Compute(tc.samples)
		if !math.IsNaN(r.AUC) || r.ROC != nil {
			t.Errorf("%s: AUC = %v, ROC = %v; want NaN, nil", tc.name, r.AUC, r.ROC)
		}
		checkRates(t, tc.name, r.DRAtFA, math.NaN())
		for name, f := range r.Families {
			if !math.IsNaN(f.AUC) {
				t.Errorf("%s: family %s AUC = %v, want NaN", tc.name, name, f.AUC)
			}
			checkRates(t, tc.name+" "+name, f.DRAtFA, math.NaN())
		}
	}
}

// checkRates checks that rates has exactly the keys of FalseAlarmRates, each
// with value want.
func checkRates(t *testing.T, name string, rates map[string]float64, want float64) {
	t.Helper()
	if len(rates) != len(FalseAlarmRates) {
		t.Errorf("%s: DRAtFA = %v, want %d keys", name, rates, len(FalseAlarmRates))
	}
	for _, key := range []string{"0.01", "0.05", "0.10"} {
		if got, ok := rates[key]; !ok || !near(got, want, 1e-12) {
			t.Errorf("%s: DRAtFA[%q] = %v (present %v), want %v", name, key, got, ok, want)
		}
	}
}

func TestComputeFamilies(t *testing.T) {
	// 10 normal samples scoring 1..10. Hydra_FTP's attacks all score below
	// every normal sample; Adduser's two attacks score 0.5 (flagged-free:
	// not < 0) and 10 (tied with the highest normal sample).
	var samples []Sample
	for i := range 10 {
		samples = append(samples, Sample{Name: "n" + strconv.Itoa(i), Score: float64(i + 1)})
	}
	samples = append(samples,
		Sample{Name: "h1", Score: -3, Attack: true, Family: "Hydra_FTP"},
		Sample{Name: "h2", Score: -2, Attack: true, Family: "Hydra_FTP"},
		Sample{Name: "h3", Score: 0.1, Attack: true, Family: "Hydra_FTP"},
		Sample{Name: "a1", Score: 0.5, Attack: true, Family: "Adduser"},
		Sample{Name: "a2", Score: 10, Attack: true, Family: "Adduser"},
	)
	r := Compute(samples)
	if len(r.Families) != 2 {
		t.Fatalf("Families = %v, want Hydra_FTP and Adduser", r.Families)
	}
	h := r.Families["Hydra_FTP"]
	if h.Attack != 3 || h.Detected != 2 || h.AUC != 1 {
		t.Errorf("Hydra_FTP = %+v, want Attack 3, Detected 2, AUC 1", h)
	}
	checkRates(t, "Hydra_FTP", h.DRAtFA, 1)
	// Adduser: 0.5 beats all 10 normals, 10 ties with one: (10 + 0.5)/20.
	// Curve (0,0) (0,1/2) then flat to (0.9,1/2), then (1,1): DR 1/2 at
	// every listed false-alarm rate.
	a := r.Families["Adduser"]
	if a.Attack != 2 || a.Detected != 0 || !near(a.AUC, 10.5/20, 1e-12) {
		t.Errorf("Adduser = %+v, want Attack 2, Detected 0, AUC 0.525", a)
	}
	checkRates(t, "Adduser", a.DRAtFA, 0.5)
	// Overall: pairs won 3·10 + 10 + 0.5 of 50.
	if !near(r.AUC, 40.5/50, 1e-12) {
		t.Errorf("AUC = %v, want %v", r.AUC, 40.5/50)
	}
	if r.Attack != 5 || r.Normal != 10 {
		t.Errorf("Attack, Normal = %d, %d; want 5, 10", r.Attack, r.Normal)
	}
}

func TestComputeMatchesParts(t *testing.T) {
	scores, attack := randomCase(rand.New(rand.NewPCG(1, 1)), 400)
	samples := make([]Sample, len(scores))
	for i := range scores {
		samples[i] = Sample{Score: scores[i], Attack: attack[i]}
		if attack[i] {
			samples[i].Family = []string{"a", "b", ""}[i%3]
		}
	}
	r := Compute(samples)
	if want := mannWhitney(scores, attack); !near(r.AUC, want, 1e-9) {
		t.Errorf("AUC = %v, brute force %v", r.AUC, want)
	}
	total := 0
	for name, f := range r.Families {
		var fs []float64
		var fa []bool
		for _, s := range samples {
			if !s.Attack || s.Family == name {
				fs, fa = append(fs, s.Score), append(fa, s.Attack)
			}
		}
		if want := mannWhitney(fs, fa); !near(f.AUC, want, 1e-9) {
			t.Errorf("family %q: AUC = %v, brute force %v", name, f.AUC, want)
		}
		total += f.Attack
	}
	if total != r.Attack {
		t.Errorf("families hold %d attacks, report %d", total, r.Attack)
	}
}

func BenchmarkCompute(b *testing.B) {
	for _, n := range []int{1_000, 100_000} {
		scores, attack := randomCase(rand.New(rand.NewPCG(1, 1)), n)
		samples := make([]Sample, n)
		for i := range samples {
			samples[i] = Sample{Score: scores[i], Attack: attack[i]}
			if attack[i] {
				samples[i].Family = "f" + strconv.Itoa(i%10)
			}
		}
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			for b.Loop() {
				Compute(samples)
			}
		})
	}
}
