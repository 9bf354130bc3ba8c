package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// A sample whose run lost events says so: "complete": false in JSON (the
// key is absent for whole runs), "incomplete" and the lost events in the
// table's notes, and never the severity NONE.
func TestIncompleteRun(t *testing.T) {
	rs := []Row{
		{Sample: "lossy", Verdict: Incomplete, Score: 0.5, Confidence: 0.9, Features: []float64{1, 0}, Run: &RunInfo{Lost: 69}},
		{Sample: "whole", Verdict: Normal, Score: 0.5, Confidence: 0.9, Features: []float64{1, 0}, Run: &RunInfo{}},
	}
	var b bytes.Buffer
	if err := WriteJSON(&b, rs, sum); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	var lossy, whole map[string]any
	json.Unmarshal([]byte(lines[0]), &lossy)
	json.Unmarshal([]byte(lines[1]), &whole)
	if lossy["complete"] != false || lossy["verdict"] != "incomplete" || lossy["severity"] == "NONE" {
		t.Errorf("lossy row: %s", lines[0])
	}
	if _, ok := whole["complete"]; ok {
		t.Errorf("whole row has complete: %s", lines[1])
	}
	var tab bytes.Buffer
	if err := WriteTable(&tab, rs, sum); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(tab.String(), "incomplete: 69 events lost") || strings.Contains(strings.SplitN(tab.String(), "\n", 3)[1], "NONE") {
		t.Errorf("table:\n%s", tab.String())
	}
}
