package main

import (
	"fmt"
	"os"
	"path/filepath"

	"detector/algo"
	"detector/internal/digest"
	"detector/model"
	"detector/observe"
	"detector/pipeline"
	"detector/report"
)

// judge scores every usable sample and returns the report rows in input
// order, and the samples that could not be judged.
// A score below threshold is anomalous; confidence is measured from it.
func judge(m *model.Model, t *pipeline.Table, threshold float64) (rows []report.Row, bad []pipeline.Sample) {
	var vecs [][]float64
	var seqs [][][]string
	var beh []*observe.Sample
	for _, s := range t.Samples {
		if s.Err == nil {
			vecs = append(vecs, s.Vec)
			seqs = append(seqs, s.Seqs)
			beh = append(beh, s.Behaviour)
		}
	}
	if !m.Spec().Sequences {
		seqs = nil
	}
	if !m.Spec().Behaviour {
		beh = nil
	}
	results := m.ScoreBehaviour(vecs, seqs, beh)
	rows = make([]report.Row, len(t.Samples))
	for i, s := range t.Samples {
		r := report.Row{Sample: s.Name, Features: s.Vec, Run: s.Run, File: fileInfo(s.Path), OwnFindings: beh != nil}
		if s.Err == nil {
			res := results[0]
			results = results[1:]
			if res.Err != nil {
				// A score that cannot be computed is never "normal".
				s.Err = fmt.Errorf("%s: cannot be judged: %w", s.Name, res.Err)
			} else {
				anomalous := res.Score < threshold
				r.Score, r.Confidence, r.Deviations = res.Score, m.Confidence(res.Score-threshold), res.Deviations
				r.Rarity = m.Rarity(res.Score)
				if f := sequenceFinding(res.Explanation, s.SeqPIDs); f != nil && anomalous {
					r.Findings = append(r.Findings, *f)
				}
				r.Findings = append(r.Findings, profileFindings(res.Findings)...)
				r.Verdict = report.Normal
				if anomalous {
					r.Verdict = report.Anomalous
				} else if !r.Complete() {
					r.Verdict = report.Incomplete // events were lost: never "normal"
				}
			}
		}
		if s.Err != nil {
			r.Verdict, r.Err = report.Error, s.Err.Error()
			bad = append(bad, s)
		}
		rows[i] = r
	}
	return rows, bad
}

// maxWindowEvidence bounds the calls of a sequence window shown as
// evidence.
const maxWindowEvidence = 12

// sequenceFinding turns a sequence detector's explanation into an INFO
// finding naming the worst process and its window of calls.
func sequenceFinding(x *algo.Explanation, pids []int) *report.Finding {
	if x == nil {
		return nil
	}
	pid := 0
	if x.Process >= 0 && x.Process < len(pids) {
		pid = pids[x.Process]
	}
	f := &report.Finding{Rule: "sequence-window", Severity: report.SeverityInfo, Count: 1,
		Message: fmt.Sprintf("process %d, calls %d to %d: %s", pid, x.Start+1, x.Start+x.Length, x.Detail)}
	for _, c := range x.Calls[:min(len(x.Calls), maxWindowEvidence)] {
		f.Evidence = append(f.Evidence, report.Evidence{PID: pid, Syscall: c})
	}
	return f
}

// fileInfo describes the sample file at path for the report, nil for none.
func fileInfo(path string) *report.FileInfo {
	if path == "" {
		return nil
	}
	f := &report.FileInfo{Path: path, SHA256: digest.File(path)}
	if isSpool(path) {
		f.Path = "-"
	} else if abs, err := filepath.Abs(path); err == nil {
		f.Path = abs
	}
	if fi, err := os.Stat(path); err == nil {
		f.Size = fi.Size()
	}
	return f
}

// maxProfileFindings bounds the profile findings a row shows; the rest
// are counted in the last one's message.
const maxProfileFindings = 8

// profileFindings turns a detector's findings (the profile detector's
// deviations) into report findings, each with its own severity.
func profileFindings(fs []algo.Finding) []report.Finding {
	var out []report.Finding
	for i, f := range fs {
		if i == maxProfileFindings {
			out[len(out)-1].Message += fmt.Sprintf(" (%d more profile findings)", len(fs)-i)
			break
		}
		rf := report.Finding{Rule: f.Rule, Severity: f.Severity, Count: 1, Message: f.Message}
		if f.PID != 0 {
			rf.Process = &report.Process{PID: f.PID, Exe: f.Program}
		}
		out = append(out, rf)
	}
	return out
}
