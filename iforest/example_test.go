package iforest_test

import (
	"fmt"

	"detector/iforest"
)

// A point far from the training grid gets a negative decision (an
// outlier), a point inside it a positive one (scikit-learn's decisions,
// averaged over 20 seeds, are 0.008 and -0.123). The same rows and seed
// give the same forest on every machine.
func Example() {
	var x [][]float64
	for i := 0; i < 10; i++ {
		for j := 0; j < 10; j++ {
			x = append(x, []float64{float64(i) - 4.5, float64(j) - 4.5})
		}
	}
	p := iforest.DefaultParams()
	p.Seed = 1
	m, err := iforest.Fit(x, p)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(m.Params()["max_samples"], m.Params()["trees"])
	for _, q := range [][]float64{{0.2, -0.3}, {12, 12}} {
		d := m.Decision(q)
		fmt.Printf("%v: inlier %v (%.3f)\n", q, d > 0, d)
	}
	// Output:
	// 100 100
	// [0.2 -0.3]: inlier true (0.016)
	// [12 12]: inlier false (-0.130)
}
