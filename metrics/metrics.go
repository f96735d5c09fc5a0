// Package metrics exposes coopbot's Prometheus metrics (names prefixed
// coopbot_) on a private registry: questions by surface and outcome and
// their latency (recorded by internal/edge, the one path every surface
// takes to the core), and decorators around the retrieval core's
// interfaces: an Embedder (embed latency) and a Store (search latency,
// ingest counters). The core itself stays free of any metrics code.
package metrics

import (
	"context"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/coopbot/coopbot/retrieval"
)

// Metrics holds coopbot's collectors and the registry that serves them.
// Its methods are safe for concurrent use. A nil *Metrics records nothing.
type Metrics struct {
	registry *prometheus.Registry

	questions    *prometheus.CounterVec
	answer       *prometheus.HistogramVec
	embed        prometheus.Histogram
	search       prometheus.Histogram
	ingestDocs   *prometheus.CounterVec
	ingestChunks prometheus.Counter
	feedback     *prometheus.CounterVec
	logFailures  prometheus.Counter
	replicas     *replicaMetrics
}

// latencyBuckets span 1 ms to about 30 s: embedding and search are fast
// locally, answers from a remote model take seconds.
var latencyBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}

// New returns Metrics registered on a new private registry, together with
// the Go runtime and process collectors.
func New() *Metrics {
	reg := prometheus.NewRegistry()
	m := &Metrics{
		registry: reg,
		questions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "coopbot_questions_total",
			Help: "Questions asked, by surface (cli, web, api, slack, discord) and outcome (answered, abstained, invalid, rate_limited, error).",
		}, []string{"surface", "outcome"}),
		answer: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "coopbot_answer_seconds",
			Help:    "Time to answer a question end to end (embed, search, answer), by surface.",
			Buckets: latencyBuckets,
		}, []string{"surface"}),
		embed: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "coopbot_embed_seconds",
			Help:    "Time of one Embed call (a question or a batch of chunks).",
			Buckets: latencyBuckets,
		}),
		search: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "coopbot_search_seconds",
			Help:    "Time of one store search (dense and lexical arms, fused).",
			Buckets: latencyBuckets,
		}),
		ingestDocs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "coopbot_ingest_documents_total",
			Help: "Documents written to or deleted from the store, by result (stored, deleted, failed).",
		}, []string{"result"}),
		feedback: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "coopbot_feedback_total",
			Help: "Votes taken on answers, by surface (web, api, slack, discord) and vote (up, down).",
		}, []string{"surface", "vote"}),
		logFailures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "coopbot_answer_log_failures_total",
			Help: "Answer-log entries lost: the write failed or the queue was full. The answers themselves went out.",
		}),
		ingestChunks: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "coopbot_ingest_chunks_total",
			Help: "Chunks written to the store.",
		}),
	}
	reg.MustRegister(m.questions, m.answer, m.embed, m.search, m.ingestDocs, m.ingestChunks, m.feedback, m.logFailures,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.replicas = newReplicaMetrics(reg)
	// Pre-create the common series so dashboards see zeros, not gaps.
	for _, r := range []string{"stored", "deleted", "failed"} {
		m.ingestDocs.WithLabelValues(r)
	}
	return m
}

// Registry returns the private registry, for tests and extra collectors.
func (m *Metrics) Registry() *prometheus.Registry { return m.registry }

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{Registry: m.registry})
}

// RegisterIndexGauges adds coopbot_store_up, coopbot_index_documents and
// coopbot_index_chunks, all read from one call of stats at every scrape
// (bounded to 2 s). coopbot_store_up is 1 when stats answered and 0 when
// it failed (the database down or not answering, or the store not open
// yet). While it fails the two index gauges are left out of the scrape:
// a gap, not a 0, so that an unreachable index never looks like an empty
// one.
func (m *Metrics) RegisterIndexGauges(stats func(ctx context.Context) (retrieval.Stats, error)) error {
	return m.registry.Register(&indexCollector{
		stats:  stats,
		up:     prometheus.NewDesc("coopbot_store_up", "1 when the store could be read at this scrape, 0 when it could not.", nil, nil),
		docs:   prometheus.NewDesc("coopbot_index_documents", "Documents in the store; absent while coopbot_store_up is 0.", nil, nil),
		chunks: prometheus.NewDesc("coopbot_index_chunks", "Chunks in the store; absent while coopbot_store_up is 0.", nil, nil),
	})
}

// indexCollector reads the store once per scrape for RegisterIndexGauges.
type indexCollector struct {
	stats            func(ctx context.Context) (retrieval.Stats, error)
	up, docs, chunks *prometheus.Desc
}

func (c *indexCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.up
	ch <- c.docs
	ch <- c.chunks
}

func (c *indexCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	s, err := c.stats(ctx)
	if err != nil {
		ch <- prometheus.MustNewConstMetric(c.up, prometheus.GaugeValue, 0)
		return
	}
	ch <- prometheus.MustNewConstMetric(c.up, prometheus.GaugeValue, 1)
	ch <- prometheus.MustNewConstMetric(c.docs, prometheus.GaugeValue, float64(s.Documents))
	ch <- prometheus.MustNewConstMetric(c.chunks, prometheus.GaugeValue, float64(s.Chunks))
}

// ObserveQuestion counts a question asked on surface with its outcome
// (internal/edge classifies both, for every surface) and records how long
// answering it took. It implements edge.Recorder.
func (m *Metrics) ObserveQuestion(surface, outcome string, elapsed time.Duration) {
	if m == nil {
		return
	}
	m.questions.WithLabelValues(surface, outcome).Inc()
	m.answer.WithLabelValues(surface).Observe(elapsed.Seconds())
}

// ObserveVote counts one vote in coopbot_feedback_total.
func (m *Metrics) ObserveVote(surface, vote string) {
	if m == nil {
		return
	}
	m.feedback.WithLabelValues(surface, vote).Inc()
}

// ObserveAnswerLogFailure counts one answer-log entry lost.
func (m *Metrics) ObserveAnswerLogFailure() {
	if m == nil {
		return
	}
	m.logFailures.Inc()
}

// ObserveIngest adds to the ingest counters: documents stored, deleted and
// failed, and chunks stored. The Store decorator counts its own writes;
// this is for work done before the decorator was in place.
func (m *Metrics) ObserveIngest(stored, deleted, failed, chunks int) {
	if m == nil {
		return
	}
	m.ingestDocs.WithLabelValues("stored").Add(float64(stored))
	m.ingestDocs.WithLabelValues("deleted").Add(float64(deleted))
	m.ingestDocs.WithLabelValues("failed").Add(float64(failed))
	m.ingestChunks.Add(float64(chunks))
}
