package model

import (
	"bytes"
	"crypto/sha256"
	"testing"
)

// FuzzDecode feeds Decode model files whose checksum is valid, so that
// the fuzzer reaches the gob values, the shape checks and Validate. A
// file is refused or yields a model that scores every row either to a
// finite verdict or to an error; nothing panics.
func FuzzDecode(f *testing.F) {
	for _, alg := range []string{LOF, OCSVM} {
		// With diagnostics (sample names, a duplicate, a timed-out run),
		// and one with an origin, so that the fuzzer reaches their checks
		// too.
		rows := data(30, 4)
		rows[3] = rows[1]
		info := infos(30)
		info[2].TimedOut = true
		m, err := fit(names, rows, alg, Params{Samples: info}, "neighbors", "5", "nu", "0.2")
		if err != nil {
			f.Fatal(err)
		}
		if alg == OCSVM {
			m.Origin = &Origin{Host: "web1", Source: "ebpf", Duration: 86400e9}
		}
		var b bytes.Buffer
		if err := Encode(&b, m); err != nil {
			f.Fatal(err)
		}
		f.Add(b.Bytes()[len(magic) : b.Len()-sha256.Size])
	}
	f.Fuzz(func(t *testing.T, content []byte) {
		file := append([]byte(magic), content...)
		sum := sha256.Sum256(file)
		m, err := Decode(bytes.NewReader(append(file, sum[:]...)))
		if err != nil {
			return
		}
		rows := [][]float64{make([]float64, m.Dim()), make([]float64, m.Dim())}
		rows[1][0] = 1e308
		for i, r := range m.Score(rows, nil) {
			if r.Err == nil && (!finite(r.Score) || !(r.Confidence >= 0 && r.Confidence <= 1)) {
				t.Errorf("row %d: score %v, confidence %v without an error", i, r.Score, r.Confidence)
			}
		}
		m.Warnings()
		m.FlaggedText()
	})
}
