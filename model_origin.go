package main

import (
	"fmt"
	"os"
	"time"

	"detector/model"
	"detector/report"
)

// A model describes the runs it was trained on: one trained on sandboxed
// runs (or recordings) knows programs as the sandbox runs them, one
// learned on a host (monitor --learn) knows that host's programs. Judging
// the other kind of runs with it reports their ordinary differences as
// deviations, so monitor and detect say so, once, with what to do.

// warnHint prints a warning and its hint, escaped like errors.
func warnHint(msg, advice string) {
	warnf("%s", msg)
	fmt.Fprintf(os.Stderr, "detector: hint: %s\n", report.Escape(oneLine(advice)))
}

// warnOriginForHost warns when a model that monitor is to use on this
// host was not learned on it.
func warnOriginForHost(m *model.Model, path string) {
	o := m.Origin
	if o == nil {
		warnHint(fmt.Sprintf("the model %s was trained on sandboxed runs, not learned on this host: the host's ordinary work will look new to it", path),
			"learn the host's own: detector monitor --learn 24h --model FILE, then monitor --model FILE")
		return
	}
	if host, err := os.Hostname(); err == nil && o.Host != "" && !hasHostName(o.Host, host) {
		warnHint(fmt.Sprintf("the model %s was learned on host %s, not on this one (%s): programs differ from host to host", path, o.Host, host),
			"learn this host's own with monitor --learn, or merge the hosts' models with detector model merge")
	}
}

// warnOriginForSamples warns when a model that judges samples (detect,
// evaluate) was learned on a host.
func warnOriginForSamples(m *model.Model, path string) {
	if o := m.Origin; o != nil {
		warnHint(fmt.Sprintf("the model %s was learned on host %s by monitor --learn (%s, %s from %s), not trained on sandboxed runs: the samples' ordinary work will look new to it",
			path, o.Host, o.Source, o.Duration, o.Start.UTC().Format(time.RFC3339)),
			"train one on samples for detect: detector train --commands FILE or PATH...; use the host's model with monitor --model")
	}
}

// hasHostName reports whether list (host names joined by ", ") names
// host.
func hasHostName(list, host string) bool {
	for i := 0; i <= len(list); {
		j := i
		for j < len(list) && !(list[j] == ',' && j+1 < len(list) && list[j+1] == ' ') {
			j++
		}
		if list[i:j] == host {
			return true
		}
		i = j + 2
	}
	return false
}
