// Package trace reads system-call traces and turns them into one stream of
// events: calls, process starts, execs and process ends, in trace order.
//
// Two recorded formats are understood. ParseEvents (and ParseStrace, its
// calls-only form) reads the text that strace writes (with or without -f,
// -ff files, any timestamp option -t, -tt, -ttt, -r, the -T, -y, -yy and -X
// decorations, and a -c/-C summary table at the end, which is recognised and
// skipped). ParseADFA reads ADFA-LD traces: whitespace-separated
// system-call numbers, named through the audit tables of go-libaudit for the
// chosen architecture; they hold calls only.
//
// Every parser calls a callback once per event, in log order, with an
// *Event (or *Call) that is valid only during the callback: the parser
// reuses it and its argument bytes, so a callback must copy what it keeps
// (Name is an interned string and may be kept as is). Arguments and
// timestamps are decoded only when asked for (Call.Arg, Call.ExecArgv,
// Event.Time), so a consumer that counts names pays for nothing else. An
// unfinished/resumed pair of strace lines is one call. A call keeps the
// object its returned descriptor names (-yy: "= 3</etc/shadow>" gives
// RetPath "/etc/shadow"), and is marked Compat when it came through the
// i386 entry point of a 64-bit program (int $0x80): strace then prints the
// i386 call's name, and with -n its i386 number ("[   5] open", where
// x86_64's 5 is fstat), or without -n a "[ Process PID=N runs in 32 bit
// mode. ]" line before it. Lines that are not
// strace's, such as the traced program's own output interleaved on the same
// stream, are skipped and counted in Stats.Skipped; the parser never panics
// on hostile input, holds memory bounded whatever the input, and reports
// malformed input as a *ParseError carrying the 1-based line number.
//
// Finding samples on disk is package samples' job; running programs under
// strace, package sandbox's.
package trace
