extension SweepReport {
    /// The report for people.
    ///
    /// Cron mails whatever a job prints, so by default this is the empty string unless the pass needs a
    /// person's attention (``needsAttention``): then it names every event given up and object quarantined,
    /// the gone endpoint, and ends with the counts.
    ///
    /// - Parameter always: Print the counts even when all is well (for a replay or `--verbose`).
    public func renderText(always: Bool = false) -> String {
        guard needsAttention || always else { return "" }
        var lines: [String] = []
        if needsAttention {
            lines.append("eventspool \(kind) of \(spoolDirectory): \(attentionSummary)")
        }
        if !givenUp.isEmpty {
            lines.append("")
            lines.append("Given up (moved to dead/):")
            for event in givenUp {
                var line = "  \(event.id)  \(event.type)  age \(event.age.shortDescription)"
                line += "  \(event.attempts) attempt\(event.attempts == 1 ? "" : "s")"
                if let error = event.lastError { line += "  \(error.message)" }
                lines.append(line)
                lines.append("      \(event.reason)")
            }
            if unlistedGivenUp > 0 {
                lines.append("  … and \(unlistedGivenUp) more (spoolctl list --dead)")
            }
        }
        if !quarantinedObjects.isEmpty {
            lines.append("")
            lines.append("Quarantined (moved to quarantine/):")
            for object in quarantinedObjects {
                let name = object.quarantineKey == object.key ? "" : ", kept as \(object.quarantineKey)"
                lines.append("  \(object.key) (from \(object.from)/\(name)): \(object.reason)")
            }
            if unlistedQuarantined > 0 {
                lines.append("  … and \(unlistedQuarantined) more (spoolctl list --quarantine)")
            }
        }
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
        if needsAttention { lines.append("") }
        lines.append(countsLine)
        return lines.joined(separator: "\n") + "\n"
    }

    /// The first line: what needs attention, in a few words.
    private var attentionSummary: String {
        var parts: [String] = []
        if deadLettered > 0 { parts.append("\(deadLettered) event\(deadLettered == 1 ? "" : "s") given up") }
        if quarantined > 0 { parts.append("\(quarantined) object\(quarantined == 1 ? "" : "s") quarantined") }
        if endpointGone { parts.append("endpoint gone") }
        if failure != nil { parts.append("spool error") }
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
        if kind == .sweep { parts.append("not due \(notDue)") }
        parts.append("dead-lettered \(deadLettered)")
        parts.append("quarantined \(quarantined)")
        if unreadable > 0 { parts.append("unreadable \(unreadable)") }
        var remainingPart = "remaining \(remaining)"
        if let oldestPendingAge { remainingPart += " (oldest \(oldestPendingAge.shortDescription))" }
        parts.append(remainingPart)
        if !missing.isEmpty { parts.append("not found: \(missing.joined(separator: " "))") }
        var line = parts.joined(separator: ", ") + " in \(duration.shortDescription)"
        if let stoppedEarly { line += "; stopped early: \(stoppedEarly)" }
        if dryRun { line += " (dry run: nothing sent or changed)" }
        return line
    }
}
