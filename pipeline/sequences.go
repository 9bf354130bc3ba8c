package pipeline

import (
	"detector/trace"
)

// Bounds on the call sequences recorded for one sample (Options.Sequences).
// Call names are interned by the parser, so a recorded call costs one
// string header (16 bytes): a sample's sequences take at most 64 MiB.
const (
	MaxSequenceCalls = 1 << 22 // calls recorded per sample, all processes together
	MaxProcesses     = 4096    // processes per sample
)

// sequences records, per process, the names of the calls of one sample in
// trace order, within the bounds above; calls past them are counted in
// dropped.
type sequences struct {
	byPID   map[int]int // pid -> index in seqs
	seqs    [][]string
	pids    []int // pid of each sequence
	calls   int
	dropped int64
}

func (r *sequences) add(e *trace.Event) {
	if e.Kind != trace.EventCall {
		return
	}
	i, ok := r.byPID[e.PID]
	if !ok {
		if len(r.seqs) >= MaxProcesses {
			r.dropped++
			return
		}
		if r.byPID == nil {
			r.byPID = map[int]int{}
		}
		i = len(r.seqs)
		r.byPID[e.PID] = i
		r.seqs = append(r.seqs, nil)
		r.pids = append(r.pids, e.PID)
	}
	if r.calls >= MaxSequenceCalls {
		r.dropped++
		return
	}
	r.calls++
	r.seqs[i] = append(r.seqs[i], e.Call.Name)
}
