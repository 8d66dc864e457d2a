import ArgumentParser
import EventSpool
import Foundation

extension Spoolctl {
    struct Stats: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Counts, bytes and oldest age per state and per event type.",
            discussion: """
                Reads only: creates and changes nothing in the spool. With --json, one object: {"states": \
                [{"state", "total", "unreadableObjects", "types"}]}, each count {"events", "objects", "bytes", \
                "oldestAgeSeconds"} (null when there is no event). --prometheus writes the counts per state, \
                and pending/ against the spool limits, in the Prometheus text format instead; --metrics-file \
                writes them to a file, atomically, for node_exporter's textfile collector.
                """
        )

        @OptionGroup var global: GlobalOptions

        @Flag(help: "Write the Prometheus text format instead of the table.")
        var prometheus = false

        @Option(
            help: ArgumentHelp("Write the Prometheus text format to this file, atomically.", valueName: "path"),
            completion: .file()
        )
        var metricsFile: String?

        func validate() throws {
            if global.json && prometheus {
                throw ValidationError("Give --json or --prometheus, not both.")
            }
            if let problem = metricsFile.flatMap(MetricsFile.problem(with:)) { throw ValidationError(problem) }
        }

        func run() async throws {
            let logger = global.makeLogger()
            let configuration = try await LoadedConfiguration.load(global, logger: logger).spool()
            let now = Date()
            var states: [SpoolStatistics] = []
            try await SpoolAccess.withSpool(configuration, for: .reading, logger: logger) { spool in
                for state in SpoolState.allCases {
                    states.append(try await statistics(of: state, in: spool))
                }
            }
            if prometheus || metricsFile != nil {
                let export = PrometheusExport()
                export.record(states, limits: configuration.limits, now: now)
                if let metricsFile {
                    try MetricsFile(path: metricsFile).update { _ in export.render() }
                } else {
                    Output.raw(export.render())
                }
            }
            // --metrics-file leaves standard output free: for the JSON document, or nothing.
            if global.json {
                Output.line(StatsDocument(states: states, now: now).jsonLine())
            } else if !prometheus && metricsFile == nil {
                Output.line(StatsDocument(states: states, now: now).text())
            }
        }

        private func statistics(
            of state: SpoolState,
            in spool: any Spool
        ) async throws(CommandFailure)
            -> SpoolStatistics
        {
            var statistics = SpoolStatistics(state: state)
            try await SpoolAccess.forEachObject(in: state, of: spool) { entry, object throws(CommandFailure) in
                let size = await SpoolAccess.size(of: entry.key, in: state, spool: spool)
                statistics.total.addObject(size: size)
                switch object {
                case .success(let object):
                    for spooled in object.events {
                        statistics.total.addEvent(spooledAt: spooled.delivery.spooledAt)
                        statistics.byType[spooled.event.type, default: ListSummary()]
                            .addEvent(spooledAt: spooled.delivery.spooledAt)
                    }
                    // An object's bytes count for the type of its first event: types share objects rarely.
                    if let type = object.events.first?.event.type {
                        statistics.byType[type, default: ListSummary()].addObject(size: size)
                    }
                case .failure:
                    statistics.unreadable += 1
                    let events = await SpoolAccess.eventCount(ofUnreadable: entry.key, in: state, spool: spool)
                    statistics.total.addEvents(events, spooledAt: entry.key.time)
                }
                return true
            }
            return statistics
        }
    }
}

/// The counts of one state.
struct SpoolStatistics {
    var state: SpoolState
    var total = ListSummary()
    var byType: [String: ListSummary] = [:]
    var unreadable = 0
}

/// What `stats` prints.
struct StatsDocument: Encodable {
    struct Counts: JSONFields {
        var events: Int
        var objects: Int
        var bytes: Int
        /// `null` (never left out) when there is no event.
        var oldestAgeSeconds: Int?

        init(_ summary: ListSummary, now: Date) {
            events = summary.events
            objects = summary.objects
            bytes = summary.bytes
            oldestAgeSeconds = summary.oldest.map { TimeText.ageSeconds(of: $0, now: now) }
        }

        var jsonFields: [(String, (any Encodable)?)] {
            [("events", events), ("objects", objects), ("bytes", bytes), ("oldestAgeSeconds", oldestAgeSeconds)]
        }
    }

    struct StateCounts: Encodable {
        var state: String
        var total: Counts
        var unreadableObjects: Int
        var types: [String: Counts]
    }

    var states: [StateCounts]

    init(states: [SpoolStatistics], now: Date) {
        self.states = states.map { statistics in
            StateCounts(
                state: statistics.state.rawValue,
                total: Counts(statistics.total, now: now),
                unreadableObjects: statistics.unreadable,
                types: statistics.byType.mapValues { Counts($0, now: now) }
            )
        }
    }

    func text() -> String {
        var lines = [
            EventTable.pad("STATE", 12) + "  " + EventTable.pad("TYPE", 36) + "  " + EventTable.pad("EVENTS", 8) + "  "
                + EventTable.pad("OBJECTS", 8) + "  " + EventTable.pad("BYTES", 10) + "  OLDEST"
        ]
        for state in states {
            lines.append(line(state.state, "(all)", state.total))
            for (type, counts) in state.types.sorted(by: { $0.key < $1.key }) {
                lines.append(line("", type, counts))
            }
            if state.unreadableObjects > 0 {
                lines.append(EventTable.pad("", 12) + "  " + Self.advice(state.state, state.unreadableObjects))
            }
        }
        return lines.joined(separator: "\n")
    }

    /// What to do about unreadable objects: `verify` reads `quarantine/` only when asked to.
    private static func advice(_ state: String, _ count: Int) -> String {
        let objects = "\(count) unreadable object\(count == 1 ? "" : "s")"
        guard state == SpoolState.quarantine.rawValue else {
            return "\(objects): spoolctl verify lists them; verify --quarantine moves them to quarantine/"
        }
        return "\(objects): spoolctl verify --include-quarantine lists them; spoolctl show KEY shows what "
            + "can be read; spoolctl purge --quarantine removes them"
    }

    private func line(_ state: String, _ type: String, _ counts: Counts) -> String {
        EventTable.pad(state, 12) + "  " + EventTable.pad(type, 36) + "  " + EventTable.pad("\(counts.events)", 8)
            + "  "
            + EventTable.pad("\(counts.objects)", 8) + "  " + EventTable.pad(ByteText.format(counts.bytes), 10) + "  "
            + (counts.oldestAgeSeconds.map { Duration.seconds($0).shortDescription } ?? "-")
    }
}
