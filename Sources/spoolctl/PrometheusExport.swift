import CoreMetrics
import EventSpool
import Foundation
import Prometheus

/// The metrics of a spool and of a sweep in the Prometheus text exposition format, for node_exporter's
/// textfile collector (`sweep --metrics-file`, `stats --prometheus`). swift-prometheus renders them; the
/// names and help texts are in ``MetricsCatalogue``; `docs/operations.md` lists them.
struct PrometheusExport {
    let registry = PrometheusCollectorRegistry()

    /// Routes the library's swift-metrics counters and gauges into this export. Call it before the sweeper
    /// is made (its metrics are registered then), once per process.
    func bootstrapSwiftMetrics() {
        MetricsSystem.bootstrap(DocumentedMetricsFactory(registry: registry))
    }

    /// Adds what each state holds, and `pending/` against the limits.
    func record(_ states: [SpoolStatistics], limits: SpoolConfiguration.Limits, now: Date) {
        for statistics in states {
            let state = [("state", statistics.state.rawValue)]
            let total = statistics.total
            gauge("eventspool_spool_events", state).set(to: Double(total.events))
            gauge("eventspool_spool_objects", state).set(to: Double(total.objects))
            gauge("eventspool_spool_bytes", state).set(to: Double(total.bytes))
            gauge("eventspool_spool_unreadable_objects", state).set(to: Double(statistics.unreadable))
            let age = total.oldest.map { max(0, now.timeIntervalSince($0)) } ?? 0
            gauge("eventspool_spool_oldest_age_seconds", state).set(to: age)
            guard statistics.state == .pending else { continue }
            let objects = Double(total.objects) / Double(max(1, limits.maxObjects))
            let bytes = Double(total.bytes) / Double(max(1, limits.maxBytes))
            gauge("eventspool_spool_limit_use_ratio", [("limit", "objects")]).set(to: objects)
            gauge("eventspool_spool_limit_use_ratio", [("limit", "bytes")]).set(to: bytes)
        }
        gauge("eventspool_spool_limit_objects").set(to: Double(limits.maxObjects))
        gauge("eventspool_spool_limit_bytes").set(to: Double(limits.maxBytes))
    }

    /// Adds the pass of `report` (or, when another sweeper held the lock, only that), the counters of the
    /// earlier runs read from their file, and the last success: this pass's start when it succeeded,
    /// else the one carried from the previous file.
    ///
    /// A pass succeeded when it ran and was stopped neither by the broker (circuit open, endpoint gone) nor
    /// by a spool error; a pass with nothing due succeeds.
    func record(_ report: SweepReport, previousFile: String) {
        let previous = Self.values(in: previousFile)
        for name in MetricsCatalogue.counters {
            counter(name).increment(by: Int64(previous[name] ?? 0))
        }
        gauge("eventspool_sweep_lock_held").set(to: report.lockHeld ? 1 : 0)
        let succeeded =
            !report.lockHeld && report.failure == nil && !report.endpointGone
            && report.stoppedEarly != .circuitOpen
        let lastSuccess =
            succeeded
            ? report.startedAt.timeIntervalSince1970 : previous["eventspool_sweep_last_success_timestamp_seconds"]
        if let lastSuccess {
            gauge("eventspool_sweep_last_success_timestamp_seconds").set(to: lastSuccess)
        }
        guard !report.lockHeld else { return }
        let outcomes = [
            ("delivered", report.delivered + report.deliveredToSecondary), ("deferred", report.deferred),
            ("not_due", report.notDue), ("dead_lettered", report.deadLettered),
        ]
        for (outcome, count) in outcomes {
            gauge("eventspool_sweep_last_pass_events", [("outcome", outcome)]).set(to: Double(count))
        }
        gauge("eventspool_sweep_last_pass_quarantined_objects").set(to: Double(report.quarantined))
        gauge("eventspool_sweep_last_pass_duration_seconds").set(to: report.duration.seconds)
        gauge("eventspool_sweep_last_pass_timestamp_seconds").set(to: report.startedAt.timeIntervalSince1970)
        gauge("eventspool_sweep_last_pass_alert").set(to: report.alert == nil ? 0 : 1)
        gauge("eventspool_sweep_last_pass_needs_attention").set(to: report.needsAttention ? 1 : 0)
    }

    /// The text exposition format.
    func render() -> [UInt8] {
        registry.emitToBuffer()
    }

    /// The values of the unlabelled series a previous file holds that a run carries on: the counters and
    /// the last success. Anything else, or a value that is not a plausible count or time (negative, not
    /// finite, past 2^53), is ignored: the file may have been edited or damaged.
    static func values(in text: String) -> [String: Double] {
        let carried = Set(MetricsCatalogue.counters + ["eventspool_sweep_last_success_timestamp_seconds"])
        var values: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 2, carried.contains(String(fields[0])), let value = Double(fields[1]),
                value.isFinite, value >= 0, value <= 9_007_199_254_740_992
            else { continue }
            values[String(fields[0])] = value.rounded(.down)
        }
        return values
    }

    private func gauge(_ name: String, _ labels: [(String, String)] = []) -> Prometheus.Gauge {
        registry.makeGauge(descriptor: MetricsCatalogue.descriptor(name), labels: labels)
    }

    private func counter(_ name: String) -> Prometheus.Counter {
        registry.makeCounter(descriptor: MetricsCatalogue.descriptor(name), labels: [])
    }
}
