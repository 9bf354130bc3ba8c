package main

import (
	"detector/algo"
	"detector/iforest"
	"detector/lof"
	"detector/ocsvm"
)

// The detectors that train offers, in the order --help lists them. Adding
// a detector is its package and one entry here.
func init() {
	algo.Register(
		lof.Spec,
		ocsvm.Spec,
		iforest.Spec,
	)
}
