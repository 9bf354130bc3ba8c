package profile

import (
	"detector/algo"
	"detector/callset"
	"detector/ensemble"
	"detector/ngram"
	"detector/stide"
)

// The main package registers every detector; the tests register those
// the profile detector uses.
func init() { algo.Register(Spec, ensemble.Spec, ngram.Spec, callset.Spec, stide.Spec) }
