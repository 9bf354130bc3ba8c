package trace

// GenLog exposes the benchmark log generator to external test packages
// (the rules engine's throughput benchmark in rules_bench_test.go).
var GenLog = genLog

// CPUTime exposes cpuTime to the external benchmarks.
var CPUTime = cpuTime
