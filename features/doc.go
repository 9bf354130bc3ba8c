// Package features turns a stream of system-call names into the ten
// statistical features that describe one run of a program.
//
// Feed every call of a run, in trace order and all processes together, to
// a Counter; Vector then gives, in the order of Names:
//
//	total_calls      calls in the trace
//	unique_ratio     distinct names / total_calls
//	file_ratio       share of calls in the File category
//	process_ratio    share of calls in the Process category
//	network_ratio    share of calls in the Network category
//	memory_ratio     share of calls in the Memory category
//	security_ratio   share of calls in the Security category
//	top_call_ratio   count of the most frequent name / total_calls
//	entropy          Shannon entropy of the name distribution, in bits
//	transition_rate  adjacent pairs with different names / (total_calls - 1),
//	                 0 when total_calls < 2
//
// A run with no calls has no features: Vector returns ErrNoCalls.
// The categories are one table, CategoryOf; Scaler standardizes vectors.
package features
