package lof_test

import (
	"fmt"

	"detector/lof"
)

// A point far from a tight cloud gets a negative decision (an outlier);
// a point inside it a positive one.
func Example() {
	var x [][]float64
	for i := 0; i < 5; i++ {
		for j := 0; j < 5; j++ {
			x = append(x, []float64{float64(i) * 0.1, float64(j) * 0.1})
		}
	}
	m, err := lof.Fit(x, 5, 0) // contamination "auto": offset -1.5
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(m.Decision([]float64{0.2, 0.2}) > 0)
	fmt.Println(m.Decision([]float64{3, 3}) > 0)
	fmt.Println(m.Params()["neighbors"], m.Params()["offset"])
	// Output:
	// true
	// false
	// 5 -1.5
}
