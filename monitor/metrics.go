package monitor

import (
	"net/http"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"detector/rules"
)

// Metrics are the monitor's Prometheus metrics (the README's Metrics
// section lists them). Every method may be called on a nil *Metrics,
// which counts nothing, and from any goroutine.
type Metrics struct {
	reg      *prometheus.Registry
	received *prometheus.CounterVec
	dropped  *prometheus.CounterVec
	records  *prometheus.CounterVec
	score    prometheus.Histogram
	counters sync.Map // "source\x00kind" -> prometheus.Counter

	tracked atomic.Pointer[func() int]
	ring    atomic.Pointer[func() (used, size int)]
}

// NewMetrics returns the monitor's metrics in a registry of their own,
// with the Go runtime's and the process's standard ones.
func NewMetrics() *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.received = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "detector_events_received_total",
		Help: "Events the monitor's source delivered, by source and kind (call, exec, fork, exit, ...; process for a process the proc source read)."}, []string{"source", "kind"})
	m.dropped = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "detector_events_dropped_total",
		Help: "Events lost before they were judged, by source and where: ring (the kernel's ring buffer was full) or queue (the judging queue was full)."}, []string{"source", "stage"})
	m.records = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "detector_records_written_total",
		Help: "Records written to the alert log, by kind (alert, summary, model, process, drop), rule and severity."}, []string{"kind", "rule", "severity"})
	m.score = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "detector_model_score_seconds",
		Help: "Time the model took to score one batch of processes (one process or job for the ebpf and strace sources, the whole table for the proc model).", Buckets: prometheus.ExponentialBuckets(1e-5, 4, 10)})
	m.reg.MustRegister(m.received, m.dropped, m.records, m.score,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "detector_processes_tracked",
			Help: "Processes the monitor follows now."}, func() float64 {
			if f := m.tracked.Load(); f != nil {
				return float64((*f)())
			}
			return 0
		}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "detector_ring_buffer_fill_ratio",
			Help: "ebpf source: the share of the ring buffer holding events not read yet, 0 to 1."}, func() float64 {
			if f := m.ring.Load(); f != nil {
				if used, size := (*f)(); size > 0 {
					return float64(used) / float64(size)
				}
			}
			return 0
		}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "detector_ring_buffer_size_bytes",
			Help: "ebpf source: the ring buffer's size."}, func() float64 {
			if f := m.ring.Load(); f != nil {
				_, size := (*f)()
				return float64(size)
			}
			return 0
		}),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "detector_cpu_user_seconds_total",
			Help: "CPU time the monitor spent in user space (its own judging, not the kernel's probes)."}, func() float64 {
			var ru syscall.Rusage
			if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
				return 0
			}
			return float64(ru.Utime.Sec) + float64(ru.Utime.Usec)/1e6
		}),
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return m
}

// Handler serves the metrics in Prometheus's text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// Event counts one event of kind from source.
func (m *Metrics) Event(source, kind string) {
	if m == nil {
		return
	}
	key := source + "\x00" + kind
	c, ok := m.counters.Load(key)
	if !ok {
		c, _ = m.counters.LoadOrStore(key, m.received.WithLabelValues(source, kind))
	}
	c.(prometheus.Counter).Inc()
}

// Dropped counts n events source lost at stage (ring or queue).
func (m *Metrics) Dropped(source, stage string, n uint64) {
	if m == nil || n == 0 {
		return
	}
	m.dropped.WithLabelValues(source, stage).Add(float64(n))
}

// Record counts one record written to the alert log; it is the log's
// rules.LogOptions.Written.
func (m *Metrics) Record(r *rules.LogRecord) {
	if m == nil {
		return
	}
	m.records.WithLabelValues(r.Kind, r.Rule, r.Severity.String()).Inc()
}

// Scored records that the model took d to score one batch.
func (m *Metrics) Scored(d time.Duration) {
	if m == nil {
		return
	}
	m.score.Observe(d.Seconds())
}

// setTracked sets the function that counts the processes followed.
func (m *Metrics) setTracked(f func() int) {
	if m != nil {
		m.tracked.Store(&f)
	}
}

// setRing sets the function that reads the ring buffer's fill; the
// ebpf source's drop counters are shown from then on, at 0 until events
// are lost.
func (m *Metrics) setRing(f func() (used, size int)) {
	if m != nil {
		m.ring.Store(&f)
		m.dropped.WithLabelValues("ebpf", "ring")
		m.dropped.WithLabelValues("ebpf", "queue")
	}
}
