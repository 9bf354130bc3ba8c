package ngram_test

import (
	"fmt"

	"detector/ngram"
	"detector/seq"
)

func Example() {
	train := [][]string{
		{"open", "read", "read", "close"},
		{"open", "read", "close"},
		{"open", "mmap", "read", "close"},
		{"open", "read", "read", "read", "close"},
	}
	v := seq.Fit(train, 1)
	cfg := ngram.DefaultConfig()
	cfg.Order, cfg.Folds, cfg.Window = 3, 2, 2
	m, err := ngram.Fit(v.EncodeAll(train), v.Size(), cfg)
	if err != nil {
		panic(err)
	}
	odd := v.Encode([]string{"open", "read", "execve", "socket", "close"})
	w := m.MostSurprising(odd)
	fmt.Printf("most surprising: calls %d..%d, mean surprisal %.2f nats\n", w.Start, w.Start+w.Length-1, w.Mean)
	fmt.Println("anomalous:", m.Decision(odd) < 0, "- a training trace:", m.Decision(v.Encode(train[1])) < 0)
	// Output:
	// most surprising: calls 2..3, mean surprisal 3.25 nats
	// anomalous: true - a training trace: false
}
