import ArgumentParser
import EventSpool
import Foundation

extension Spoolctl {
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List spooled events, one row per event, like mailq.",
            discussion: """
                Rows: id, type, age, attempts, next attempt, last error (with --all, the state first); then a \
                summary line (events, objects, bytes, oldest age; with --limit, how many of how many were \
                shown). Streams: the first rows appear at once however large the spool is. Reads only: \
                creates and changes nothing, and root may list a spool another user owns. With --json: JSON \
                Lines with the fields id, type, source, key, state, attempts, createdAt, nextAttemptAt, \
                lastError, deadReason, size, time, subject, orderingKey, readError (null when unset); the summary \
                goes to standard error.
                """
        )

        @OptionGroup var global: GlobalOptions

        @Flag(help: "Which part of the spool to list (default: --pending).")
        var state: StateSelection = .pending

        @OptionGroup var filter: EventFilterOptions

        @Option(
            parsing: .unconditional,
            help: ArgumentHelp("Show at most this many events (the summary still counts them all).", valueName: "n"),
            transform: CountArgument.parse
        )
        var limit: Int?

        func run() async throws {
            let logger = global.makeLogger()
            let configuration = try await LoadedConfiguration.load(global, logger: logger).spool()
            let now = Date()
            try await SpoolAccess.withSpool(configuration, for: .reading, logger: logger) { spool in
                var printer = EventPrinter(
                    json: global.json,
                    showsState: state.states.count > 1,
                    selection: filter.selection(now: now),
                    limit: limit,
                    now: now
                )
                printer.printHeader()
                for state in state.states {
                    try await printer.print(state, of: spool)
                }
                printer.printSummary()
            }
        }
    }
}

extension EventFilterOptions {
    /// The events these filters select, for an ``EventPrinter``.
    func selection(now: Date) -> EventPrinter.Selection {
        EventPrinter.Selection(
            matches: { spooled, _, _, _ in matches(spooled, now: now) },
            matchesUnreadable: { matchesUnreadable($0, now: now) },
            selectsEverything: isEmpty
        )
    }
}

/// Which part of the spool a command works on.
enum StateSelection: String, EnumerableFlag {
    case pending
    case held
    case dead
    case quarantine
    case all

    var states: [SpoolState] {
        switch self {
        case .pending: [.pending]
        case .held: [.held]
        case .dead: [.dead]
        case .quarantine: [.quarantine]
        case .all: SpoolState.allCases
        }
    }

    static func help(for value: StateSelection) -> ArgumentHelp? {
        switch value {
        case .pending: "Events waiting for delivery."
        case .held: "Events held out of sweeps (spoolctl hold)."
        case .dead: "Events given up (dead-lettered)."
        case .quarantine: "Unreadable objects kept for inspection."
        case .all: "Every state."
        }
    }
}
