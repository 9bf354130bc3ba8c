package main

import (
	"detector/algo"
	"detector/callset"
	"detector/ensemble"
	"detector/iforest"
	"detector/lof"
	"detector/model"
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

// digestKeyed reports whether m is a profile model whose programs are
// keyed by their executable's digest (--key sha256): its samples are then
// read with pipeline.Options.Digest.
func digestKeyed(m *model.Model) bool {
	return m.Algorithm == profile.Spec.Name && m.Parameters()["key"] == profile.KeySHA256
}
