package ensemble_test

import (
	"syscall"
	"testing"
	"time"

	"detector/seq"
)

// cpuTime is the process's user and system CPU time so far. Benchmarks
// report it per operation ("cpu-s/op") beside the wall time, because the
// wall time is meaningless while other jobs load the machine.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// loopCPU runs body b.N times and reports its CPU seconds per operation.
func loopCPU(b *testing.B, body func()) {
	start := cpuTime()
	for b.Loop() {
		body()
	}
	b.ReportMetric((cpuTime()-start).Seconds()/float64(b.N), "cpu-s/op")
}

// BenchmarkADFAFit fits each method on ADFA-LD's 833 training traces, from
// call names: the vocabulary, the encoding, the model and its out-of-fold
// calibration (5 folds).
func BenchmarkADFAFit(b *testing.B) {
	d := loadADFA(b)
	trainNames := names(d.train)
	for _, m := range methods {
		b.Run(m.name, func(b *testing.B) {
			loopCPU(b, func() {
				v := seq.Fit(trainNames, 1)
				if _, err := m.fit(v.EncodeAll(trainNames), v.Size()); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
}

// BenchmarkADFAScore scores ADFA-LD's 5,118 evaluation traces (4,372
// validation normals and 746 attacks) from call names: encoding and
// decision function.
func BenchmarkADFAScore(b *testing.B) {
	d := loadADFA(b)
	trainNames := names(d.train)
	var eval [][]string
	eval = append(append(eval, names(d.normal)...), names(d.attack)...)
	for _, m := range methods {
		b.Run(m.name, func(b *testing.B) {
			v := seq.Fit(trainNames, 1)
			model, err := m.fit(v.EncodeAll(trainNames), v.Size())
			if err != nil {
				b.Fatal(err)
			}
			loopCPU(b, func() {
				for _, s := range eval {
					model.Decision(v.Encode(s))
				}
			})
		})
	}
}
