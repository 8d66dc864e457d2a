import ArgumentParser
import EventSpool
import Foundation

extension Spoolctl {
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List spooled events, one row per event, like mailq.",
            discussion: """
                Rows: id, type, age, attempts, next attempt, last error; then a summary line (events, objects, \
                bytes, oldest age). Streams: the first rows appear at once however large the spool is. \
                With --json: JSON Lines with the fields id, type, source, key, state, attempts, createdAt, \
                nextAttemptAt, lastError, size (and time, subject, orderingKey, deadReason when set); \
                the summary goes to standard error.
                """
        )

        @OptionGroup var global: GlobalOptions

        @Flag(help: "Which part of the spool to list (default: --pending).")
        var state: StateSelection = .pending

        @Option(help: ArgumentHelp("Only events of this type.", valueName: "type"))
        var type: String?

        @Option(
            help: ArgumentHelp("Only events spooled longer ago than this (e.g. 50s, 2h, 3d).", valueName: "duration")
        )
        var olderThan: DurationArgument?

        @Option(help: ArgumentHelp("Stop after this many events.", valueName: "n"))
        var limit: Int?

        func validate() throws {
            if let limit, limit < 1 {
                throw ValidationError("--limit must be at least 1.")
            }
        }

        func run() async throws {
            try await reportingFailures {
                let logger = global.makeLogger()
                let configuration = try await LoadedConfiguration.load(global).spool()
                try await SpoolAccess.withSpool(configuration, logger: logger) { spool in
                    try await list(spool)
                }
            }
        }

        private func list(_ spool: DirectorySpool) async throws(CommandFailure) {
            var summary = ListSummary()
            let now = Date()
            if !global.json {
                Output.line(EventTable.header)
            }
            walk: for state in state.states {
                var keepGoing = true
                try await SpoolAccess.forEachObject(in: state, of: spool) { entry, object throws(CommandFailure) in
                    keepGoing = await list(entry, object, state: state, spool: spool, now: now, summary: &summary)
                    return keepGoing
                }
                if !keepGoing { break walk }
            }
            let text = summary.text(now: now)
            if global.json {
                Output.error(text)
            } else {
                Output.line(text)
            }
        }

        /// Prints the rows of one object; returns `false` once `--limit` rows are printed.
        private func list(
            _ entry: SpoolEntry,
            _ object: Result<SpoolObject, SpoolError>,
            state: SpoolState,
            spool: DirectorySpool,
            now: Date,
            summary: inout ListSummary
        ) async -> Bool {
            let size = await SpoolAccess.size(of: entry.key, in: state, spool: spool)
            switch object {
            case .failure(let error):
                guard type == nil && olderThan == nil else { return true }
                summary.addObject(size: size)
                summary.addEvent(spooledAt: entry.key.time)
                if global.json {
                    Output.line(EventRow(unreadable: entry.key, state: state, size: size, error: error).jsonLine())
                } else {
                    Output.line(EventTable.unreadableRow(entry, state: state, error: error, now: now))
                }
                return !summary.reached(limit)
            case .success(let object):
                var printed = 0
                for spooled in object.events where matches(spooled, now: now) {
                    if global.json {
                        Output.line(EventRow(spooled, key: object.key, state: state).jsonLine())
                    } else {
                        Output.line(EventTable.row(spooled, state: state, now: now))
                    }
                    printed += 1
                    summary.addEvent(spooledAt: spooled.delivery.spooledAt)
                    if summary.reached(limit) { break }
                }
                if printed > 0 { summary.addObject(size: size) }
                return !summary.reached(limit)
            }
        }

        private func matches(_ spooled: SpooledEvent, now: Date) -> Bool {
            if let type, spooled.event.type != type { return false }
            if let olderThan, now.timeIntervalSince(spooled.delivery.spooledAt) < olderThan.seconds { return false }
            return true
        }
    }
}

/// Which part of the spool a command works on.
enum StateSelection: String, EnumerableFlag {
    case pending
    case dead
    case quarantine
    case all

    var states: [SpoolState] {
        switch self {
        case .pending: [.pending]
        case .dead: [.dead]
        case .quarantine: [.quarantine]
        case .all: [.pending, .dead, .quarantine]
        }
    }

    static func help(for value: StateSelection) -> ArgumentHelp? {
        switch value {
        case .pending: "Events waiting for delivery."
        case .dead: "Events given up (dead-lettered)."
        case .quarantine: "Unreadable objects kept for inspection."
        case .all: "Every state."
        }
    }
}

/// The closing line of `list`: counts, bytes and the oldest age, like mailq's.
struct ListSummary {
    var events = 0
    var objects = 0
    var bytes = 0
    var oldest: Date?

    mutating func addObject(size: Int) {
        objects += 1
        bytes += size
    }

    mutating func addEvent(spooledAt date: Date) {
        events += 1
        if oldest.map({ date < $0 }) ?? true { oldest = date }
    }

    func reached(_ limit: Int?) -> Bool {
        limit.map { events >= $0 } ?? false
    }

    func text(now: Date) -> String {
        guard events > 0 else { return "-- 0 events" }
        let oldestText = oldest.map { ", oldest \(TimeText.age(of: $0, now: now))" } ?? ""
        return "-- \(events) event\(events == 1 ? "" : "s") in \(objects) object\(objects == 1 ? "" : "s"), "
            + "\(ByteText.format(bytes))\(oldestText)"
    }
}

/// Byte counts for people: `512 B`, `1.5 KiB`, `3.2 MiB`.
enum ByteText {
    static func format(_ bytes: Int) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(bytes) B" : String(format: "%.1f %@", value, units[unit])
    }
}

/// The fixed-width table `list` prints; fixed widths because rows are printed as they are read.
enum EventTable {
    static let header =
        pad("ID", 36) + "  " + pad("TYPE", 28) + "  " + pad("AGE", 6) + "  " + pad("TRIES", 5) + "  "
        + pad("NEXT", 9) + "  LAST ERROR"

    static func row(_ spooled: SpooledEvent, state: SpoolState, now: Date) -> String {
        let delivery = spooled.delivery
        let next: String
        switch state {
        case .pending: next = TimeText.until(delivery.nextAttemptAt, now: now)
        case .held: next = "held"
        case .dead: next = "dead"
        case .quarantine: next = "-"
        }
        let error = delivery.deadReason.map { "\($0); " } ?? ""
        return pad(spooled.event.id, 36) + "  " + pad(spooled.event.type, 28) + "  "
            + pad(TimeText.age(of: delivery.spooledAt, now: now), 6) + "  " + pad("\(delivery.attempts)", 5) + "  "
            + pad(next, 9) + "  " + error + (delivery.lastError?.message ?? "-")
    }

    /// An object whose events cannot be read: its key, age and why.
    static func unreadableRow(_ entry: SpoolEntry, state: SpoolState, error: SpoolError, now: Date) -> String {
        "\(entry.key)  \(TimeText.age(of: entry.key.time, now: now))  unreadable object in \(state)/: \(error.message)"
    }

    /// `text` cut or padded to `width` characters.
    static func pad(_ text: String, _ width: Int) -> String {
        if text.count > width { return String(text.prefix(width - 1)) + "…" }
        return text + String(repeating: " ", count: width - text.count)
    }
}
