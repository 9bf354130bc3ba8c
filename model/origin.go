package model

import (
	"fmt"
	"time"
	"unicode/utf8"
)

// Origin says that a model was learned on a live host (monitor --learn)
// rather than trained on samples run in the sandbox or recorded: which
// host, with which source, when and for how long. A model without one
// describes sandboxed runs (or recordings), and the programs of a host do
// other things than the same programs in the sandbox: each kind of model
// is for judging its own kind of runs.
type Origin struct {
	// Host is the host name (or, for a merged model, the host names
	// joined by ", ", at most MaxOriginHost bytes).
	Host string
	// Source is the monitor's source: "ebpf" or "strace".
	Source string
	// Start is when learning began; Duration how long it went on (for a
	// merged model, the earliest start and the sum of the durations).
	Start    time.Time
	Duration time.Duration
}

// MaxOriginHost bounds Origin.Host.
const MaxOriginHost = 1024

// maxLearning bounds Origin.Duration: a century.
const maxLearning = 100 * 365 * 24 * time.Hour

func (o *Origin) validate() error {
	if o == nil {
		return nil
	}
	if o.Host == "" || len(o.Host) > MaxOriginHost || !utf8.ValidString(o.Host) {
		return fmt.Errorf("origin: host name of %d bytes, want 1 to %d of UTF-8", len(o.Host), MaxOriginHost)
	}
	switch o.Source {
	case "ebpf", "strace", "ebpf,strace":
	default:
		return fmt.Errorf("origin: source %.20q, want ebpf or strace", o.Source)
	}
	if o.Duration < 0 || o.Duration > maxLearning {
		return fmt.Errorf("origin: learning of %v", o.Duration)
	}
	return nil
}

// mergeOrigins is the origin of a model merged from models of origins a
// and b: nil when neither was learned on a host; an error when one was and
// the other was not.
func mergeOrigins(a, b *Origin) (*Origin, error) {
	switch {
	case a == nil && b == nil:
		return nil, nil
	case a == nil || b == nil:
		return nil, fmt.Errorf("%w: one was learned on a host (monitor --learn), the other from sandboxed runs", ErrNotMergeable)
	}
	out := &Origin{Host: a.Host, Source: a.Source, Start: a.Start, Duration: min(a.Duration+b.Duration, maxLearning)}
	if b.Start.Before(a.Start) {
		out.Start = b.Start
	}
	if b.Source != a.Source {
		out.Source = "ebpf,strace"
	}
	if !hasHost(a.Host, b.Host) {
		if h := a.Host + ", " + b.Host; len(h) <= MaxOriginHost {
			out.Host = h
		}
	}
	return out, nil
}

// hasHost reports whether the list of hosts list (joined by ", ") holds
// every host of other.
func hasHost(list, other string) bool {
	have := map[string]bool{}
	for _, h := range splitHosts(list) {
		have[h] = true
	}
	for _, h := range splitHosts(other) {
		if !have[h] {
			return false
		}
	}
	return true
}

func splitHosts(s string) []string {
	var out []string
	for s != "" {
		i := 0
		for i < len(s) && !(s[i] == ',' && i+1 < len(s) && s[i+1] == ' ') {
			i++
		}
		out = append(out, s[:i])
		s = s[min(len(s), i+2):]
	}
	return out
}
