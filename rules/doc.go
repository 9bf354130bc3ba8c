// Package rules judges a sample by what its system calls do: a small,
// fixed condition language over the fields of one call and of the process
// that made it, with named lists and macros, count windows, severities,
// allow-lists and a cooldown for alert logs.
//
// Contract:
//
//   - A Set is a compiled rule set: the embedded default rules
//     (default.yaml, see Default) plus any rule files loaded after them
//     (Load, LoadFiles). A later file overrides a rule by id (the keys it
//     gives replace the earlier ones), disables it (enabled: false), and
//     replaces lists and macros by name. Unknown keys, bad values and
//     dangling references are errors naming file:line. A compiled Set is
//     immutable and safe for concurrent use.
//   - An Engine judges one sample: feed it the sample's events in trace
//     order (trace.ParseEvents delivers them) and read Findings at the end.
//     It decodes the arguments only of the calls some rule or its process
//     state asks for (a map lookup on the interned call name); every other
//     call costs one lookup. Memory is bounded whatever the input: the
//     process table holds at most MaxProcs processes (exited ones are
//     evicted first), the written-files memory MaxWrittenFiles paths, each
//     window its count bound, each finding MaxEvidence evidence lines.
//   - A rule matches attempts as well as successes: a call refused with
//     EPERM or EACCES is evidence of what the sample tried. Findings count
//     every match; only the first MaxEvidence are kept as evidence.
//   - An AllowList removes exactly the matches its entries describe, before
//     they are counted.
//   - Two or more distinct WARNING rules on the sample's process tree
//     within the combine window (Options.Combine, the alert log's
//     cooldown) raise an ALERT finding, CombinedRule, whose evidence is
//     one hit of each rule (Evidence.Rule); OnHit sees it when the second
//     rule arrives. SampleSeverity is the highest of the findings' and the
//     model's severities; the model's verdict is never combined.
//   - A script run through its #! line is its interpreter too: the fields
//     naming programs hold both (process.executed); pipe.pair pairs the
//     two ends of a pipe by its inode.
//   - AlertLog writes findings as SIEM JSON lines with a cooldown, one
//     whole line per write under a mutex, to a file opened append-only with
//     mode 0600.
//
// The engine never panics on hostile input; a trace that lacks what a field
// needs (no -yy decorations, no timestamps, abbreviated structures) simply
// leaves that field empty, so conditions on it do not match.
package rules
