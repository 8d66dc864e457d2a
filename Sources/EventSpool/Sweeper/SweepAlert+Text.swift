import EventSpoolModel
import EventSpoolStorage

extension SweepAlert {
    /// A few words for the report's first line:
    /// `backlog: oldest pending 2h5m, pending/ at 85 % of spool.maxObjects`.
    public var summary: String {
        "backlog: "
            + breaches.map { breach in
                switch breach.threshold {
                case .oldestPending: "oldest pending \(Duration.seconds(breach.value).shortDescription)"
                case .pendingObjects: "pending/ at \(Self.percent(breach.value)) of spool.maxObjects"
                default: "pending/ at \(Self.percent(breach.value)) of spool.maxBytes"
                }
            }.joined(separator: ", ")
    }

    /// The alert for people: what waits against the limits, how old, why the last attempts failed, where.
    public func renderLines() -> [String] {
        var lines = ["Backlog past the alert thresholds (sweeper.alert.*):"]
        lines.append(
            "  waiting in pending/: \(pendingEvents) event\(pendingEvents == 1 ? "" : "s") in \(pending.objects) "
                + "object\(pending.objects == 1 ? "" : "s"), \(Self.bytes(pending.bytes))"
        )
        if let oldestPendingAge {
            var line = "  oldest: \(oldestPendingAge.shortDescription)"
            line += setting(of: .oldestPending).map { " (alert at \(Duration.seconds($0).shortDescription))" } ?? ""
            if let oldestNextAttemptIn {
                line += oldestNextAttemptIn > .zero ? ", next attempt in \(oldestNextAttemptIn.shortDescription)" : ""
            }
            lines.append(line)
        }
        var objects = "  objects: \(pending.objects) of \(limits.maxObjects) (spool.maxObjects), "
        objects += Self.percent(Self.fraction(Double(pending.objects), of: Double(limits.maxObjects)))
        objects += setting(of: .pendingObjects).map { ", alert at \(Self.percent($0))" } ?? ""
        lines.append(objects)
        var bytes = "  bytes: \(Self.bytes(pending.bytes)) of \(Self.bytes(limits.maxBytes)) (spool.maxBytes), "
        bytes += Self.percent(Self.fraction(Double(pending.bytes), of: Double(limits.maxBytes)))
        bytes += setting(of: .pendingBytes).map { ", alert at \(Self.percent($0))" } ?? ""
        lines.append(bytes)
        lines.append("  endpoint: \(endpoint)")
        if lastErrors.isEmpty {
            lines.append("  last errors: none recorded")
        } else {
            lines.append("  last errors:")
            lines += lastErrors.map { "    \($0.message)" }
        }
        lines.append("The events stay pending and are retried (spoolctl list shows them, spoolctl replay --all sends")
        lines.append("them now); every sweep repeats this until the backlog is back under the thresholds.")
        return lines
    }

    /// The setting of `threshold` when it was passed.
    private func setting(of threshold: Threshold) -> Double? {
        breaches.first { $0.threshold == threshold }?.setting
    }

    /// `85 %`, `0.3 %`, `100 %`.
    static func percent(_ fraction: Double) -> String {
        let percent = fraction * 100
        guard percent.isFinite else { return "- %" }
        if percent > 0 && percent < 0.1 { return "< 0.1 %" }
        if percent >= 10 || percent == percent.rounded() { return "\(Int(percent.rounded())) %" }
        return "\((percent * 10).rounded() / 10) %"
    }

    /// `512 B`, `3.4 KiB`, `1.0 GiB`.
    static func bytes(_ count: Int64) -> String {
        let units = ["KiB", "MiB", "GiB", "TiB"]
        guard count >= 1024 else { return "\(count) B" }
        var value = Double(count) / 1024
        var unit = 0
        while value >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return "\((value * 10).rounded() / 10) \(units[unit])"
    }
}
