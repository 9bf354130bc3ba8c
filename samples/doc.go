// Package samples finds the samples in files and folders and reads recorded
// ones.
//
// Collect walks paths (folders recursively, in lexical order) and decides
// file by file which Kind of sample each one is: an executable to run, an
// strace log (-ff files of one run joined into one sample), an ADFA-LD trace
// or a CSV feature table. Every file is opened without blocking and only
// when it is a regular file, so a FIFO or device swapped in cannot make it
// wait; a file that cannot be read is a Source with Err, not a skip.
// Replay and ReplayEvents parse a recorded sample with package trace.
package samples
