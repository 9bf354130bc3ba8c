// Package trace reads system-call traces and turns them into a stream of
// calls.
//
// Three recorded formats are understood. ParseStrace reads the text that
// strace writes (with or without -f, -ff files, any timestamp option -t, -tt,
// -ttt, -r, the -T, -y, -yy and -X decorations, and a -c/-C summary table at
// the end, which is recognised and skipped). ParseADFA reads ADFA-LD traces:
// whitespace-separated system-call numbers, named through the audit tables of
// go-libaudit for the chosen architecture. Collect walks files and folders and
// decides, file by file, which kind of sample each one is; Replay parses a
// recorded sample.
//
// Every parser calls a callback once per system call, in log order, with a
// *Call that is valid only during the callback: the parser reuses it and its
// argument bytes, so a callback must copy what it keeps (Name is an interned
// string and may be kept as is). An unfinished/resumed pair of strace lines is
// one call. Lines that are not strace's, such as the traced program's own
// output interleaved on the same stream, are skipped and counted in
// Stats.Skipped; the parser never panics on hostile input and reports
// malformed input as a *ParseError carrying the 1-based line number.
package trace
