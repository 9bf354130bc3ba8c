package report

import (
	"io"
	"strconv"
)

// WriteCSV writes rows as CSV with a header: sample, verdict, score,
// confidence, the features, then dev1_feature, dev1_z ... for the largest
// TopDeviations, then severity, findings (id:SEVERITY:count;...), error,
// exit_code, timed_out, truncated and memory_limited (empty for samples
// that were not executed). Cells that begin like a spreadsheet formula are
// made safe (see SafeCell); WriteCSVRaw keeps them exact.
func WriteCSV(w io.Writer, rows []Row, s Summary) error {
	return writeCSV(w, rows, s, CSVOptions{})
}

// WriteCSVRaw is WriteCSV with every string kept exactly (--csv-raw).
func WriteCSVRaw(w io.Writer, rows []Row, s Summary) error {
	return writeCSV(w, rows, s, CSVOptions{Raw: true})
}

func writeCSV(w io.Writer, rows []Row, s Summary, o CSVOptions) error {
	cw := newCSVWriter(w, o.Raw)
	head := []string{"sample", "verdict", "score", "confidence"}
	head = append(head, s.FeatureNames...)
	for i := 1; i <= TopDeviations; i++ {
		n := "dev" + strconv.Itoa(i)
		head = append(head, n+"_feature", n+"_z")
	}
	head = append(head, "severity", "findings", "error", "exit_code", "timed_out", "truncated", "memory_limited", "rarity")
	if err := cw.Write(head); err != nil {
		return err
	}
	for _, r := range rows {
		rec := []string{r.Sample, r.Verdict, "", ""}
		if r.Verdict != Error {
			rec[2], rec[3] = formatFloat(r.Score), formatFloat(r.Confidence)
		}
		for j := range s.FeatureNames {
			v := ""
			if j < len(r.Features) {
				v = formatFloat(r.Features[j])
			}
			rec = append(rec, v)
		}
		devs := top(r.Deviations)
		for i := range TopDeviations {
			if i < len(devs) && r.Verdict != Error {
				rec = append(rec, devs[i].Feature, formatFloat(devs[i].Z))
			} else {
				rec = append(rec, "", "")
			}
		}
		rec = append(rec, severity(r), findingsCSV(r.Findings), r.Err)
		if r.Run != nil {
			rec = append(rec, strconv.Itoa(r.Run.ExitCode), strconv.FormatBool(r.Run.TimedOut), strconv.FormatBool(r.Run.Truncated), strconv.FormatBool(r.Run.MemoryLimited))
		} else {
			rec = append(rec, "", "", "", "")
		}
		rarity := ""
		if r.Verdict != Error {
			rarity = formatFloat(r.Rarity)
		}
		rec = append(rec, rarity)
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteFeaturesCSV writes the feature table: a header `sample` and the
// feature names, then one row per sample. This is the table that
// `train --input csv` and `detect --input csv` read back. Cells that begin
// like a spreadsheet formula are made safe unless o.Raw is set.
func WriteFeaturesCSV(w io.Writer, names []string, rows []FeatureRow, o CSVOptions) error {
	cw := newCSVWriter(w, o.Raw)
	if err := cw.Write(append([]string{"sample"}, names...)); err != nil {
		return err
	}
	for _, r := range rows {
		rec := []string{r.Sample}
		for _, v := range r.Features {
			rec = append(rec, formatFloat(v))
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
