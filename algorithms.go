package main

import (
	"detector/algo"
	"detector/callset"
	"detector/ensemble"
	"detector/iforest"
	"detector/lof"
	"detector/ngram"
	"detector/ocsvm"
	"detector/profile"
	"detector/stide"
)

// The detectors that train offers, in the order --help lists them. Adding
// a detector is its package and one entry here.
func init() {
	algo.Register(
		lof.Spec,
		ocsvm.Spec,
		iforest.Spec,
		ngram.Spec,
		callset.Spec,
		stide.Spec,
		ensemble.Spec,
		profile.Spec,
	)
}
