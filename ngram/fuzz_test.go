package ngram

import (
	"bytes"
	"encoding/gob"
	"math"
	"testing"

	"detector/seq"
)

// FuzzDecode feeds arbitrary bytes to the model decoder, seeded with a
// valid model: decoding never panics, and a model it accepts scores
// without panicking and sums to 1 at the empty context.
func FuzzDecode(f *testing.F) {
	cfg := DefaultConfig()
	cfg.Order, cfg.Folds = 3, 2
	m, err := Fit([][]int32{{a, b, a}, {b, b, seq.UNK}, {a}}, 5, cfg)
	if err != nil {
		f.Fatal(err)
	}
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(m); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		var got Model
		if err := gob.NewDecoder(bytes.NewReader(data)).Decode(&got); err != nil {
			return
		}
		got.Statistic([]int32{a, b, 99, -1, seq.BOS})
		var sum float64
		for _, w := range predicted(got.V) {
			sum += got.Prob(nil, w)
		}
		if math.Abs(sum-1) > 1e-9 {
			t.Errorf("accepted model sums to %v", sum)
		}
	})
}
