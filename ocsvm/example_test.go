package ocsvm_test

import (
	"fmt"

	"detector/ocsvm"
)

// A point far from the training cloud gets a negative decision (an
// outlier); a point between grid points near the centre a positive one
// (scikit-learn gives 0.097 and -3.23 here).
func Example() {
	var x [][]float64
	for i := 0; i < 5; i++ {
		for j := 0; j < 5; j++ {
			x = append(x, []float64{float64(i) - 2, float64(j) - 2})
		}
	}
	m, err := ocsvm.Fit(x, 0.5, ocsvm.GammaScale(x))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(m.Decision([]float64{0.5, 0.5}) > 0)
	fmt.Println(m.Decision([]float64{6, 6}) > 0)
	// Output:
	// true
	// false
}
