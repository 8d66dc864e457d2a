import EventSpool
import Foundation
import Logging

/// The sweeper rows: drain a spool of N events to the sink in a child process (so its peak memory is its
/// own), at every size of the scaling row; and `spoolctl list` over the largest spool.
struct DrainRows: Sendable {
    let options: BenchOptions
    let logger: Logger
    /// The concurrent publish row's rate, which the drain row is compared with.
    let concurrentRate: Double?

    /// What one drain did.
    private struct Drain {
        var events: Int
        var fillRate: Double
        var delivered: Int
        var remaining: Int
        var duration: Duration
        var processTime: Duration
        var peakRSSKiB: Int
        var failure: String?

        var rate: Double { Double(delivered) / duration.seconds }
        var isComplete: Bool { delivered == events && remaining == 0 && failure == nil }
    }

    /// What `spoolctl list` did.
    private struct Listing {
        var events: Int
        var timeToFirstRow: Duration?
        var elapsed: Duration
        var lines: Int
        var peakRSSKiB: Int
        var exitStatus: Int32
    }

    func run() async -> [RowResult] {
        let scaling = options.rows.contains(.scaling)
        let drain = options.rows.contains(.drain)
        var sizes = Set(scaling ? options.scalingEvents : [])
        if drain { sizes.insert(options.drainEvents) }
        let largest = sizes.max() ?? 0

        var drains: [Int: Drain] = [:]
        var listing: Listing?
        var errors: [String] = []
        for size in sizes.sorted() {
            do {
                let directory = options.workDirectory + "/drain-\(size)"
                try? FileManager.default.removeItem(atPath: directory)
                progress("filling a spool with \(Format.count(size)) events")
                let fillRate = try await SpoolFill(
                    directory: directory,
                    events: size,
                    eventsPerObject: options.eventsPerObject
                )
                .run(logger: logger)
                if scaling && size == largest {
                    progress("spoolctl list over \(Format.count(size)) events")
                    listing = try await list(directory, events: size)
                }
                progress("draining \(Format.count(size)) events")
                drains[size] = try await self.drain(directory, events: size, fillRate: fillRate)
                try FileManager.default.removeItem(atPath: directory)
            } catch {
                errors.append("\(Format.count(size)) events: \(error)")
            }
        }

        var raw = drains.keys.sorted().compactMap { size in drains[size].map(describe) }
        if let listing {
            raw.append(
                "spoolctl list over \(Format.count(listing.events)) events: first event row after "
                    + "\(listing.timeToFirstRow.map(Format.milliseconds) ?? "never"), all \(Format.count(listing.lines)) "
                    + "lines in \(Format.seconds(listing.elapsed)), peak RSS \(Format.mebibytes(kibibytes: listing.peakRSSKiB)), "
                    + "exit status \(listing.exitStatus)"
            )
        }
        raw += errors.map { "sweeper rows: failed at \($0)" }

        var rows: [RowResult] = []
        if drain {
            rows.append(drainRow(drains[options.drainEvents]))
        }
        if scaling {
            rows.append(scalingRow(options.scalingEvents.compactMap { drains[$0] }))
            rows.append(listRow(listing))
        }
        if !rows.isEmpty { rows[rows.count - 1].raw = raw }
        return rows
    }

    // MARK: - Rows

    private func drainRow(_ drain: Drain?) -> RowResult {
        let name = "sweeper drain of \(Format.count(options.drainEvents)) events"
        let target = "≥ 0.5×, RSS ≤ 64 MiB"
        guard let drain else {
            return .notRun(.drain, name, target: target, reason: "see the raw numbers")
        }
        let rss = "\(Format.mebibytes(kibibytes: drain.peakRSSKiB)) peak RSS"
        guard let concurrentRate else {
            return RowResult(
                kind: .drain,
                name: name,
                eventSpool: "\(Format.count(drain.rate)) events/s, \(rss)",
                baseline: "concurrent row not run",
                ratio: "—",
                target: target,
                met: nil
            )
        }
        let ratio = drain.rate / concurrentRate
        return RowResult(
            kind: .drain,
            name: name,
            eventSpool: "\(Format.count(drain.rate)) events/s, \(rss)",
            baseline: "\(Format.count(concurrentRate)) events/s (concurrent publish)",
            ratio: Format.ratio(ratio),
            target: target,
            met: drain.isComplete && ratio >= 0.5 && drain.peakRSSKiB <= 64 * 1024
        )
    }

    /// Linear: the time per event at the largest spool is at most 1.5× that at the smallest. Flat: peak
    /// memory at the largest is at most 64 MiB and 1.5× that at the smallest.
    private func scalingRow(_ drains: [Drain]) -> RowResult {
        let name = "scaling: sweep " + options.scalingEvents.map(Self.short).joined(separator: " / ")
        let target = "linear time, flat memory"
        guard drains.count == options.scalingEvents.count, let smallest = drains.first, let largest = drains.last
        else {
            return .notRun(.scaling, name, target: target, reason: "see the raw numbers")
        }
        let perEvent = (largest.duration / Double(largest.events)) / (smallest.duration / Double(smallest.events))
        let memory = Double(largest.peakRSSKiB) / Double(smallest.peakRSSKiB)
        return RowResult(
            kind: .scaling,
            name: name,
            eventSpool: drains.map { Format.seconds($0.duration) }.joined(separator: " / ") + "; RSS "
                + drains.map { Format.mebibytes(kibibytes: $0.peakRSSKiB) }.joined(separator: " / "),
            baseline: "—",
            ratio: "time/event \(Format.ratio(perEvent)), RSS \(Format.ratio(memory))",
            target: target,
            met: drains.allSatisfy(\.isComplete) && perEvent <= 1.5 && memory <= 1.5
                && largest.peakRSSKiB <= 64 * 1024
        )
    }

    /// The first row within a second, and flat memory (at most 64 MiB) however large the spool.
    private func listRow(_ listing: Listing?) -> RowResult {
        let size = options.scalingEvents.max() ?? 0
        let name = "scaling: spoolctl list at \(Self.short(size))"
        let target = "first row < 1 s, RSS ≤ 64 MiB"
        guard let listing else {
            return .notRun(.scaling, name, target: target, reason: "see the raw numbers")
        }
        guard let first = listing.timeToFirstRow, listing.exitStatus == 0 else {
            return .notRun(.scaling, name, target: target, reason: "spoolctl list failed")
        }
        return RowResult(
            kind: .scaling,
            name: name,
            eventSpool: "first row \(Format.milliseconds(first)), all in \(Format.seconds(listing.elapsed)), "
                + "RSS \(Format.mebibytes(kibibytes: listing.peakRSSKiB))",
            baseline: "—",
            ratio: "—",
            target: target,
            met: first < .seconds(1) && listing.peakRSSKiB <= 64 * 1024 && listing.lines >= listing.events
        )
    }

    private func describe(_ drain: Drain) -> String {
        "sweep of \(Format.count(drain.events)) events (\(options.eventsPerObject) per object, filled at "
            + "\(Format.count(drain.fillRate)) events/s): delivered \(Format.count(drain.delivered)), remaining "
            + "\(drain.remaining) in \(Format.seconds(drain.duration)) = \(Format.count(drain.rate)) events/s; "
            + "process \(Format.seconds(drain.processTime)), peak RSS \(Format.mebibytes(kibibytes: drain.peakRSSKiB))"
            + (drain.failure.map { "; failure: \($0)" } ?? "")
    }

    private static func short(_ events: Int) -> String {
        events >= 1_000_000 && events % 1_000_000 == 0
            ? "\(events / 1_000_000)M" : events >= 1000 && events % 1000 == 0 ? "\(events / 1000)k" : "\(events)"
    }

    // MARK: - Steps

    /// Drains `directory` in a child process (`eventspool-bench drain`) and reads its report and peak RSS.
    private func drain(_ directory: String, events: Int, fillRate: Double) async throws -> Drain {
        let outcome = try await ChildProcess.run(
            try Self.executable(),
            ["drain", "--dir", directory, "--url", options.sinkURL]
        )
        let fields = DrainCommand.parse(outcome.output)
        guard outcome.exitStatus == 0, let delivered = fields["delivered"].flatMap({ Int($0) }),
            let remaining = fields["remaining"].flatMap({ Int($0) }),
            let seconds = fields["seconds"].flatMap({ Double($0) })
        else {
            throw BenchError("the drain child failed (exit status \(outcome.exitStatus)): \(outcome.output)")
        }
        return Drain(
            events: events,
            fillRate: fillRate,
            delivered: delivered,
            remaining: remaining,
            duration: .seconds(seconds),
            processTime: outcome.elapsed,
            peakRSSKiB: outcome.peakRSSKiB,
            failure: fields["failure"].flatMap { $0.isEmpty ? nil : $0 }
        )
    }

    /// Runs `spoolctl list` over `directory`, reading its output as it comes.
    private func list(_ directory: String, events: Int) async throws -> Listing {
        let spoolctl = try options.spoolctl ?? (Self.executable() as NSString).deletingLastPathComponent + "/spoolctl"
        guard FileManager.default.isExecutableFile(atPath: spoolctl) else {
            throw BenchError(
                "no spoolctl at \(spoolctl) (build it: swift build -c release --product spoolctl, or pass --spoolctl)"
            )
        }
        // Line 1 is the table's header; line 2 the first event.
        let outcome = try await ChildProcess.run(
            spoolctl,
            ["list", "--spool-dir", directory],
            timeToLine: 2,
            keepOutput: false
        )
        return Listing(
            events: events,
            timeToFirstRow: outcome.timeToLine,
            elapsed: outcome.elapsed,
            lines: outcome.lines,
            peakRSSKiB: outcome.peakRSSKiB,
            exitStatus: outcome.exitStatus
        )
    }

    /// This executable's path, to start it again as the drain child.
    private static func executable() throws -> String {
        try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
    }
}
