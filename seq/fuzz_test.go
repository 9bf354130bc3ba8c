package seq

import (
	"bytes"
	"encoding/gob"
	"testing"
)

// FuzzVocabulary feeds arbitrary bytes to the vocabulary decoder: it never
// panics, and an accepted vocabulary round-trips its names to tokens.
func FuzzVocabulary(f *testing.F) {
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(Fit([][]string{{"read", "openat", "syscall_0x1b6"}}, 1)); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		var v Vocabulary
		if err := gob.NewDecoder(bytes.NewReader(data)).Decode(&v); err != nil {
			return
		}
		for i, n := range v.Names {
			if v.Token(n) != First+int32(i) || v.Name(First+int32(i)) != n {
				t.Fatalf("name %q does not round-trip", n)
			}
		}
	})
}
