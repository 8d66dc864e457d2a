import ArgumentParser
import EventSpool
import Foundation

extension Spoolctl {
    struct Stats: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Counts, bytes and oldest age per state and per event type."
        )

        @OptionGroup var global: GlobalOptions

        func run() async throws {
            try await reportingFailures {
                let logger = global.makeLogger()
                let configuration = try await LoadedConfiguration.load(global).spool()
                let now = Date()
                var states: [SpoolStatistics] = []
                try await SpoolAccess.withSpool(configuration, logger: logger) { spool in
                    for state in SpoolState.allCases {
                        states.append(try await statistics(of: state, in: spool))
                    }
                }
                if global.json {
                    Output.line(StatsDocument(states: states, now: now).jsonLine())
                } else {
                    Output.line(StatsDocument(states: states, now: now).text())
                }
            }
        }

        private func statistics(
            of state: SpoolState,
            in spool: DirectorySpool
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
                    statistics.total.addEvent(spooledAt: entry.key.time)
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
    struct Counts: Encodable {
        var events: Int
        var objects: Int
        var bytes: Int
        var oldestAgeSeconds: Int?

        init(_ summary: ListSummary, now: Date) {
            events = summary.events
            objects = summary.objects
            bytes = summary.bytes
            oldestAgeSeconds = summary.oldest.map { TimeText.ageSeconds(of: $0, now: now) }
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
                lines.append(
                    EventTable.pad("", 12) + "  \(state.unreadableObjects) unreadable object(s): run spoolctl verify"
                )
            }
        }
        return lines.joined(separator: "\n")
    }

    private func line(_ state: String, _ type: String, _ counts: Counts) -> String {
        EventTable.pad(state, 12) + "  " + EventTable.pad(type, 36) + "  " + EventTable.pad("\(counts.events)", 8)
            + "  "
            + EventTable.pad("\(counts.objects)", 8) + "  " + EventTable.pad(ByteText.format(counts.bytes), 10) + "  "
            + (counts.oldestAgeSeconds.map { Duration.seconds($0).shortDescription } ?? "-")
    }
}
