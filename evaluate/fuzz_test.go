package evaluate

import (
	"encoding/binary"
	"math"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzCompute checks that any scores, including NaN, infinities and
// subnormals, give a report without panicking whose AUC agrees with the
// brute-force Mann-Whitney count and whose rates lie in [0, 1].
func FuzzCompute(f *testing.F) {
	enc := func(scores ...float64) []byte {
		var b []byte
		for i, s := range scores {
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(s))
			b = append(b, byte(i%2)) // alternate normal, attack
		}
		return b
	}
	f.Add([]byte{})
	f.Add(enc(1, -1))
	f.Add(enc(0, 0, 0, 0))
	f.Add(enc(math.NaN(), math.Inf(1), math.Inf(-1), 0, -0.0, 5e-324))
	f.Add(enc(1, 2, 3, -1, -2, -3, 0.5))
	f.Fuzz(func(t *testing.T, data []byte) {
		var samples []Sample
		var scores []float64
		var attack []bool
		for len(data) >= 9 && len(samples) < 200 {
			s := math.Float64frombits(binary.LittleEndian.Uint64(data))
			a := data[8]&1 == 1
			samples = append(samples, Sample{Score: s, Attack: a, Family: string('a' + data[8]>>1%3)})
			scores, attack = append(scores, s), append(attack, a)
			data = data[9:]
		}
		r := Compute(samples)
		c := r.Confusion
		if c.TP+c.FN != r.Attack || c.FP+c.TN != r.Normal || r.Attack+r.Normal != len(samples) {
			t.Fatalf("counts do not add up: %+v, %d attack, %d normal, %d samples", c, r.Attack, r.Normal, len(samples))
		}
		if r.Attack == 0 || r.Normal == 0 {
			if !math.IsNaN(r.AUC) {
				t.Fatalf("AUC = %v with an empty class", r.AUC)
			}
		} else if want := mannWhitney(scores, attack); !near(r.AUC, want, 1e-9) {
			t.Fatalf("AUC = %v, brute force %v", r.AUC, want)
		}
		for _, x := range []float64{r.Precision, r.Recall, r.F1} {
			if !(x >= 0 && x <= 1) {
				t.Fatalf("precision, recall, F1 = %v, %v, %v", r.Precision, r.Recall, r.F1)
			}
		}
		for key, dr := range r.DRAtFA {
			if r.ROC != nil && !(dr >= 0 && dr <= 1) {
				t.Fatalf("DRAtFA[%s] = %v", key, dr)
			}
		}
	})
}

// FuzzFamily checks that Family never panics, never returns a name with a
// separator, and returns "" only for paths without a file name.
func FuzzFamily(f *testing.F) {
	f.Add("Attack_Data_Master", "Attack_Data_Master/Hydra_FTP_3/UTD-1.txt")
	f.Add("a", "a/_1.txt")
	f.Add("/", "/x_9")
	f.Add("../a", "b/../../a/c_")
	f.Add("", ".")
	f.Fuzz(func(t *testing.T, root, path string) {
		got := Family(root, path)
		if base := filepath.Base(path); got == "" && base != "." && base != ".." && base != "/" {
			t.Fatalf("Family(%q, %q) is empty", root, path)
		}
		if strings.Contains(got, "/") {
			t.Fatalf("Family(%q, %q) = %q holds a separator", root, path, got)
		}
	})
}
