import Prometheus

/// Every metric spoolctl writes in the Prometheus text format, with its help text: one table, so that
/// every family gets its `# HELP` line, also those bridged from the library's swift-metrics counters
/// (whose API carries no description).
enum MetricsCatalogue {
    /// Metrics of what the spool holds; `stats --prometheus` writes only these.
    static let spool: [String: String] = [
        "eventspool_spool_events": "Events in the spool, by state (quarantine: those in objects whose header reads).",
        "eventspool_spool_objects": "Object files in the spool, by state.",
        "eventspool_spool_bytes": "Bytes of the spool's object files, by state.",
        "eventspool_spool_oldest_age_seconds": "Age of the oldest object, by state; 0 when the state is empty.",
        "eventspool_spool_unreadable_objects":
            "Objects whose header could not be read, by state (see spoolctl verify).",
        "eventspool_spool_limit_objects": "spool.maxObjects: the most objects pending/ holds before publish throws.",
        "eventspool_spool_limit_bytes": "spool.maxBytes: the most bytes pending/ holds before publish throws.",
        "eventspool_spool_limit_use_ratio":
            "Fraction of a spool limit that pending/ uses, by limit; at 1 publish throws.",
    ]

    /// Metrics of the sweep a `sweep --metrics-file` ran (or found running).
    static let sweep: [String: String] = [
        "eventspool_sweep_delivered_total": "Events delivered by sweeps (primary or secondary broker), across runs.",
        "eventspool_sweep_deferred_total":
            "Due events sweeps left pending (failed, held back, or not reached), across runs.",
        "eventspool_sweep_dead_lettered_total": "Events sweeps gave up and moved to dead/, across runs.",
        "eventspool_sweep_quarantined_total": "Objects sweeps moved to quarantine/, across runs.",
        "eventspool_sweep_last_pass_events": "Events of the last pass, by outcome.",
        "eventspool_sweep_last_pass_quarantined_objects": "Objects the last pass moved to quarantine/.",
        "eventspool_sweep_last_pass_duration_seconds": "How long the last pass took.",
        "eventspool_sweep_last_pass_timestamp_seconds": "When the last pass started, in seconds since the epoch.",
        "eventspool_sweep_last_pass_alert": "1 when the last pass left a backlog past an alert threshold (exit 69).",
        "eventspool_sweep_last_pass_needs_attention":
            "1 when the last pass gave up or quarantined something, or failed (exit 1).",
        "eventspool_sweep_last_success_timestamp_seconds":
            "When the last pass that was not stopped by the broker (down or gone) or a spool error started.",
        "eventspool_sweep_lock_held": "1 when this run found another sweeper holding the lock, so ran no pass.",
    ]

    /// The counters carried from one run's file to the next, so that they only ever grow.
    static let counters = [
        "eventspool_sweep_delivered_total", "eventspool_sweep_deferred_total", "eventspool_sweep_dead_lettered_total",
        "eventspool_sweep_quarantined_total",
    ]

    /// The help text of `name`, when spoolctl writes it.
    static func help(_ name: String) -> String? {
        spool[name] ?? sweep[name]
    }

    /// The registry's descriptor of `name`: the full name, with its help text.
    static func descriptor(_ name: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help(name) ?? "")
    }

    /// The name and labels under which a library metric is written: the library's spool gauges become the
    /// `pending` series of the per-state gauges; the rest keep their names.
    static func bridged(_ label: String, _ dimensions: [(String, String)]) -> (String, [(String, String)]) {
        switch label {
        case "eventspool_spool_pending_events": ("eventspool_spool_events", [("state", "pending")])
        case "eventspool_spool_oldest_pending_seconds": ("eventspool_spool_oldest_age_seconds", [("state", "pending")])
        default: (label, dimensions)
        }
    }
}
