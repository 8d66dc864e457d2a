import EventSpoolModel
import EventSpoolStorage
import Metrics

/// The sweeper's metrics. Dimensions are bounded: no event ids, keys or URLs.
struct SweeperMetrics: Sendable {
    private let delivered = Counter(label: "eventspool_sweep_delivered_total")
    private let deferred = Counter(label: "eventspool_sweep_deferred_total")
    private let deadLettered = Counter(label: "eventspool_sweep_dead_lettered_total")
    private let quarantined = Counter(label: "eventspool_sweep_quarantined_total")
    private let pendingEvents = Gauge(label: "eventspool_spool_pending_events")
    private let oldestPending = Gauge(label: "eventspool_spool_oldest_pending_seconds")
    private let primaryDuration = Timer(label: "eventspool_delivery_duration", dimensions: [("broker", "primary")])
    private let secondaryDuration = Timer(label: "eventspool_delivery_duration", dimensions: [("broker", "secondary")])

    /// Records one delivery attempt's latency.
    func recordDelivery(_ duration: Duration, secondary: Bool) {
        (secondary ? secondaryDuration : primaryDuration).recordNanoseconds(duration.nanoseconds)
    }

    /// Adds a finished pass's counts; the spool gauges only when the pass saw the whole of `pending/`.
    func record(_ report: SweepReport, sawWholeSpool: Bool) {
        delivered.increment(by: Int64(report.delivered + report.deliveredToSecondary))
        deferred.increment(by: Int64(report.deferred))
        deadLettered.increment(by: Int64(report.deadLettered))
        quarantined.increment(by: Int64(report.quarantined))
        guard sawWholeSpool else { return }
        pendingEvents.record(report.remaining)
        oldestPending.record(report.oldestPendingAge?.seconds ?? 0)
    }
}
