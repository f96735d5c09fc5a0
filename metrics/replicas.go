package metrics

import "github.com/prometheus/client_golang/prometheus"

// replicaMetrics count what running several replicas adds: failures of
// the state they share in PostgreSQL, and where searches went when a read
// replica is configured.
type replicaMetrics struct {
	shared        *prometheus.CounterVec
	readSearches  *prometheus.CounterVec
	readFallbacks *prometheus.CounterVec
}

func newReplicaMetrics(reg *prometheus.Registry) *replicaMetrics {
	r := &replicaMetrics{
		shared: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "coopbot_shared_failures_total",
			Help: "Chat events handled without the state replicas share in PostgreSQL because it failed (or failed within the last 2s), by kind (claim: answered anyway, deduplicated by this process only; limit: this process's own rate limit decided).",
		}, []string{"kind"}),
		readSearches: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "coopbot_read_searches_total",
			Help: "Searches with DATABASE_READ_URL set, by the database that answered (replica, primary).",
		}, []string{"target"}),
		readFallbacks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "coopbot_read_fallbacks_total",
			Help: "Searches sent to the primary instead of the read replica, by reason (error: the replica failed this search; down: its last probe or search failed; lag: it was behind by more than READ_MAX_LAG).",
		}, []string{"reason"}),
	}
	reg.MustRegister(r.shared, r.readSearches, r.readFallbacks)
	for _, k := range []string{"claim", "limit"} {
		r.shared.WithLabelValues(k)
	}
	return r
}

// ObserveSharedFailure counts a failed call to the shared claims or rate
// limit (kind "claim" or "limit"). It implements bot.Recorder.
func (m *Metrics) ObserveSharedFailure(kind string) {
	if m == nil {
		return
	}
	m.replicas.shared.WithLabelValues(kind).Inc()
}

// ObserveReadSearch counts a search answered by target ("replica" or
// "primary"), and for the primary the reason it was not the replica
// ("error" or "lag"; "" when the replica was not tried).
func (m *Metrics) ObserveReadSearch(target, fallback string) {
	if m == nil {
		return
	}
	m.replicas.readSearches.WithLabelValues(target).Inc()
	if fallback != "" {
		m.replicas.readFallbacks.WithLabelValues(fallback).Inc()
	}
}
