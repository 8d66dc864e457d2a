import EventSpoolModel
import EventSpoolStorage

extension SweepReport {
    /// The report for people.
    ///
    /// Cron mails whatever a job prints, so by default this is the empty string unless the pass needs a
    /// person's attention (``needsAttention``) or the backlog is past an alert threshold (``alert``): then it
    /// names every event given up and object quarantined, the gone endpoint, the backlog, and ends with the
    /// counts.
    ///
    /// - Parameter always: Print the counts even when all is well (for a replay or `--verbose`).
    public func renderText(always: Bool = false) -> String {
        let speaks = needsAttention || alert != nil
        guard speaks || always else { return "" }
        var lines: [String] = []
        if speaks {
            lines.append("eventspool \(kind) of \(spoolDirectory): \(attentionSummary)")
        }
        section(
            "Given up (moved to dead/):",
            givenUp.map { event in
                var line = "  \(event.id)  \(event.type)  age \(event.age.shortDescription)"
                line += "  \(event.attempts) attempt\(event.attempts == 1 ? "" : "s")"
                if let error = event.lastError { line += "  \(error.message)" }
                return line + "\n      \(event.reason)"
            },
            unlisted: unlistedGivenUp,
            listedBy: "spoolctl list --dead",
            into: &lines
        )
        section(
            "Not delivered:",
            notDelivered.map { "  \($0.id)  \($0.type)  \($0.fate): \($0.reason)" },
            unlisted: unlistedNotDelivered,
            listedBy: "spoolctl list",
            into: &lines
        )
        section(
            "Quarantined (moved to quarantine/):",
            quarantinedObjects.map { object in
                let name = object.quarantineKey == object.key ? "" : ", kept as \(object.quarantineKey)"
                return "  \(object.key) (from \(object.from)/\(name)): \(object.reason)"
            },
            unlisted: unlistedQuarantined,
            listedBy: "spoolctl list --quarantine",
            into: &lines
        )
        if endpointGone {
            lines.append("")
            let answer = endpointError.map { ": \($0.message)" } ?? ""
            lines.append("Endpoint gone\(answer).")
            lines.append("The pass stopped; the events stay pending until the broker URL is fixed.")
        }
        if let failure {
            lines.append("")
            lines.append("Spool error: \(failure)")
        }
        if let alert {
            lines.append("")
            lines += alert.renderLines()
        }
        if speaks { lines.append("") }
        // Without the title line (a replay that only deferred), the first section's blank separator would
        // open the report.
        if lines.first == "" { lines.removeFirst() }
        lines.append(countsLine)
        return lines.joined(separator: "\n") + "\n"
    }

    /// A titled list of the report, and how many more there are than it lists; nothing when it is empty.
    private func section(
        _ title: String,
        _ items: [String],
        unlisted: Int,
        listedBy command: String,
        into lines: inout [String]
    ) {
        guard !items.isEmpty else { return }
        lines.append("")
        lines.append(title)
        lines.append(contentsOf: items)
        if unlisted > 0 {
            lines.append("  … and \(unlisted) more (\(command))")
        }
    }

    /// The first line: what needs attention, in a few words.
    private var attentionSummary: String {
        var parts: [String] = []
        if deadLettered > 0 { parts.append("\(deadLettered) event\(deadLettered == 1 ? "" : "s") given up") }
        if quarantined > 0 { parts.append("\(quarantined) object\(quarantined == 1 ? "" : "s") quarantined") }
        if endpointGone { parts.append("endpoint gone") }
        if failure != nil { parts.append("spool error") }
        if let alert { parts.append(alert.summary) }
        return parts.joined(separator: ", ")
    }

    /// The last line: every count of the pass.
    private var countsLine: String {
        if lockHeld {
            return "another sweeper holds the lock of \(spoolDirectory): nothing done"
        }
        var parts: [String] = []
        if dryRun || kind == .replay {
            let prefix = orderingPrefix > 0 ? " (+\(orderingPrefix) earlier of the same ordering key)" : ""
            parts.append("selected \(selected)\(prefix)")
        }
        parts.append("delivered \(delivered)")
        if deliveredToSecondary > 0 { parts.append("delivered to the secondary broker \(deliveredToSecondary)") }
        parts.append("deferred \(deferred)")
        if failedAgain > 0 { parts.append("failed again \(failedAgain)") }
        if kind == .sweep { parts.append("not due \(notDue)") }
        parts.append("dead-lettered \(deadLettered)")
        parts.append("quarantined \(quarantined)")
        if unreadable > 0 { parts.append("unreadable \(unreadable)") }
        if remainingIsKnown {
            var remainingPart = "remaining \(remaining)"
            if let oldestPendingAge { remainingPart += " (oldest \(oldestPendingAge.shortDescription))" }
            parts.append(remainingPart)
        } else {
            // The spool was not seen whole (see the spool error above): a count would be a guess.
            parts.append("remaining unknown")
        }
        if !missing.isEmpty { parts.append("not found: \(missing.joined(separator: " "))") }
        var line = parts.joined(separator: ", ") + " in \(duration.shortDescription)"
        if let stoppedEarly { line += "; stopped early: \(stoppedEarly)" }
        if dryRun { line += " (dry run: nothing sent or changed)" }
        return line
    }
}
