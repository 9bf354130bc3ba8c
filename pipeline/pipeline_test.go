package pipeline

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"detector/features"
	"detector/samples"
	"detector/trace"
)

// recorder keeps a digest of every event it is fed.
type recorder struct {
	events []string
	stopAt int // fail on this event (1-based); 0 never
}

func (r *recorder) Event(e *trace.Event) error {
	s := fmt.Sprintf("%s/%d", e.Kind, e.PID)
	if e.Call != nil {
		s += "/" + e.Call.Name
	}
	r.events = append(r.events, s)
	if len(r.events) == r.stopAt {
		return errors.New("consumer stopped")
	}
	return nil
}

func TestConsumersSeeEveryEventInOrder(t *testing.T) {
	var mu sync.Mutex
	recs := map[string][]*recorder{}
	var warnings []string
	var progress []string
	o := Options{
		Kind: samples.KindAuto,
		Jobs: 3,
		Consumers: func(src samples.Source) []Consumer {
			a, b := &recorder{}, &recorder{}
			mu.Lock()
			recs[src.Name] = []*recorder{a, b}
			mu.Unlock()
			return []Consumer{a, b}
		},
		Warn:     func(f string, args ...any) { warnings = append(warnings, fmt.Sprintf(f, args...)) },
		Progress: func(done, total int, name string) { progress = append(progress, fmt.Sprintf("%d/%d", done, total)) },
	}
	paths := []string{"../fixtures/traces/simple.trace", "../fixtures/traces/pipeline.trace", "../fixtures/traces/ff", "../testdata/handmade.strace"}
	tab, err := Collect(context.Background(), paths, o)
	if err != nil {
		t.Fatal(err)
	}
	if len(tab.Samples) != 4 || strings.Join(tab.Names, ",") != strings.Join(features.Names, ",") {
		t.Fatalf("table: %d samples, names %v", len(tab.Samples), tab.Names)
	}
	if strings.Join(progress, " ") != "1/4 2/4 3/4 4/4" {
		t.Errorf("progress %v", progress)
	}
	if len(warnings) != 0 {
		t.Errorf("warnings %v", warnings)
	}
	for i, s := range tab.Samples {
		if !strings.HasPrefix(s.Name, paths[i]) {
			t.Errorf("sample %d is %s, want %s: input order lost", i, s.Name, paths[i])
		}
		if s.Err != nil {
			t.Fatalf("%s: %v", s.Name, s.Err)
		}
		r := recs[s.Name]
		if len(r) != 2 || len(s.Consumers) != 2 {
			t.Fatalf("%s: consumers %d/%d", s.Name, len(r), len(s.Consumers))
		}
		if strings.Join(r[0].events, " ") != strings.Join(r[1].events, " ") {
			t.Errorf("%s: the two consumers saw different streams", s.Name)
		}
		// The calls they saw are exactly the ones the features count.
		var calls int64
		spawns := 0
		for _, e := range r[0].events {
			if strings.HasPrefix(e, "call/") {
				calls++
			}
			if strings.HasPrefix(e, "spawn/") {
				spawns++
			}
		}
		if calls != int64(s.Vec[features.TotalCalls]) {
			t.Errorf("%s: consumers saw %d calls, features count %v", s.Name, calls, s.Vec[features.TotalCalls])
		}
		if strings.Contains(s.Name, "pipeline") && spawns == 0 {
			t.Errorf("%s: a multi-process trace without a spawn event", s.Name)
		}
	}
}

func TestConsumerErrorFailsTheSample(t *testing.T) {
	o := Options{
		Kind:      samples.KindAuto,
		Jobs:      1,
		Consumers: func(samples.Source) []Consumer { return []Consumer{&recorder{stopAt: 3}} },
	}
	tab, err := Collect(context.Background(), []string{"../fixtures/traces/simple.trace"}, o)
	if err != nil {
		t.Fatal(err)
	}
	if s := tab.Samples[0]; s.Err == nil || !strings.Contains(s.Err.Error(), "consumer stopped") || s.Vec != nil {
		t.Errorf("sample %+v", s)
	}
	if len(tab.Errs()) != 1 {
		t.Errorf("Errs %v", tab.Errs())
	}
}

func TestNoSamplesHasHint(t *testing.T) {
	_, err := Collect(context.Background(), []string{t.TempDir()}, Options{Jobs: 1})
	if err == nil || !strings.Contains(err.Error(), "no samples found") {
		t.Fatalf("err %v", err)
	}
}

func TestCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Collect(ctx, []string{"../fixtures/traces"}, Options{Jobs: 1}); !errors.Is(err, ErrInterrupted) {
		t.Errorf("err %v, want ErrInterrupted", err)
	}
}

// A feature table swapped for a FIFO after it was collected is an error,
// not an open that waits for a writer.
func TestReadCSVFIFO(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "t.csv")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { _, err := readCSV(fifo); done <- err }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "not a regular file (fifo)") {
			t.Errorf("readCSV(fifo) = %v", err)
		}
	case <-time.After(30 * time.Second): // a hang check, not a timing assertion
		t.Fatal("readCSV(fifo) still blocked")
	}
}
