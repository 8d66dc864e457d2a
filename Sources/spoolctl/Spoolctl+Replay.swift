import ArgumentParser
import EventSpool
import Foundation
import Logging
import Synchronization

extension Spoolctl {
    struct Replay: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Deliver events now, ignoring their backoff; also dead ones.",
            discussion: """
                Give event ids or object keys (or unique prefixes), --all (every pending event) or --dead, \
                narrowed by --type, --older-than, --since and --until. A delivered event leaves the spool. A \
                permanent failure (such as a 400) gives a pending event up at once: it goes to dead/ and is \
                listed as given up; a dead event that fails again stays in dead/. A retryable failure leaves \
                the event pending for later sweeps. Every event not delivered is listed with why. Held events \
                are not replayed (release them first), and later events of a held event's ordering key wait. \
                Ordering keys stay in order: the earlier pending events of a selected event's ordering key are \
                replayed first, and counted apart in the report. \
                --dry-run lists exactly the events that would be sent, as list does, and sends nothing. Shows a \
                progress bar on a terminal. Ends with the sweep report (one JSON object with --json). Exits 1 \
                when some event was not delivered, 75 when a sweeper holds the lock.
                """
        )

        @OptionGroup var global: GlobalOptions

        @Argument(help: ArgumentHelp("Event ids or object keys, or unique prefixes of them.", valueName: "id-or-key"))
        var identifiers: [String] = []

        @Flag(help: "Replay every pending event.")
        var all = false

        @Flag(help: "Replay every dead event.")
        var dead = false

        @OptionGroup var filter: EventFilterOptions

        @Flag(help: "List the events that would be sent, and send nothing.")
        var dryRun = false

        func validate() throws {
            let choices = (identifiers.isEmpty ? 0 : 1) + (all ? 1 : 0) + (dead ? 1 : 0)
            guard choices == 1 else {
                throw ValidationError("Give event ids or object keys, or --all, or --dead (exactly one of them).")
            }
        }

        func run() async throws {
            let logger = global.makeLogger()
            let loaded = try await LoadedConfiguration.load(global, logger: logger)
            let now = Date()
            // Named events are found first, by id, key or prefix, reading only; nothing is sent for a typo.
            let (selection, states) = try await select(loaded.spool(), now: now, logger: logger)
            if dryRun {
                try await list(selection, in: states, configuration: loaded.spool(), now: now, logger: logger)
                return
            }
            let configuration = try loaded.sweeper()
            let bar: ProgressBar? = Output.isTerminal && !global.json ? ProgressBar() : nil
            var progress: (@Sendable (ReplayProgress) -> Void)?
            if let bar {
                progress = { bar.update($0) }
            }
            let report = try await SweeperRun.with(configuration, logger: logger) { [progress] sweeper in
                await sweeper.replay(selection, progress: progress)
            }
            bar?.finish()
            if report.lockHeld {
                throw SpoolAccess.busy(configuration.spool)
            }
            let allDelivered = report.deferred == 0 && report.failedAgain == 0 && report.missing.isEmpty
            try SweeperRun.print(report, json: global.json, always: true, needsAttention: !allDelivered)
        }

        /// The replay selection, and the states it reads.
        private func select(
            _ configuration: SpoolConfiguration,
            now: Date,
            logger: Logger
        ) async throws -> (ReplaySelection, [SpoolState]) {
            var selection: ReplaySelection
            var states: [SpoolState]
            if all {
                (selection, states) = (.allPending(type: filter.type), [.pending])
            } else if dead {
                (selection, states) = (.dead(type: filter.type), [.dead])
            } else {
                let matches = try await SpoolAccess.withSpool(configuration, for: .reading, logger: logger) { spool in
                    try await EventLocator(spool: spool).resolve(identifiers, in: [.pending, .dead]) { state in
                        state == .held
                            ? "it is held: release it first (spoolctl release \(identifiers.joined(separator: " ")))"
                            : "it is in \(state)/"
                    }
                }
                selection = .named(matches.map { $0.eventID ?? $0.key.rawValue }, type: filter.type)
                states = [SpoolState.pending, .dead].filter { state in matches.contains { $0.state == state } }
            }
            selection = selection.spooled(since: filter.since?.date, until: filter.upperBound(now: now))
            return (selection, states)
        }

        /// `--dry-run`: the events the replay would send, as `list` prints them.
        private func list(
            _ selection: ReplaySelection,
            in states: [SpoolState],
            configuration: SpoolConfiguration,
            now: Date,
            logger: Logger
        ) async throws {
            try await SpoolAccess.withSpool(configuration, for: .reading, logger: logger) { spool in
                // A replay sends the earlier pending events of a selected event's ordering key first: so does
                // this list. The plan needs every selected event's place first.
                var plan = ReplayPlan(selection)
                // A replay sends no event behind a held event of its ordering key: this list leaves it out too.
                let held = await HeldOrderingKeys.read(from: spool, logger: logger)
                var heldBack = 0
                for state in [SpoolState.pending, .dead] {
                    try await SpoolAccess.forEachObject(in: state, of: spool) { _, object throws(CommandFailure) in
                        guard case .success(let object) = object else { return true }
                        plan.noteSelected(in: object)
                        heldBack += object.events.count(where: {
                            selection.selects($0, in: object.key, state: object.state)
                                && held.holdsBack($0.event.orderingKey, in: object.key)
                        })
                        return true
                    }
                }
                let printed = plan.hasPrefixes ? [SpoolState.pending, .dead] : states
                var printer = EventPrinter(
                    json: global.json,
                    showsState: printed.count > 1,
                    selection: EventPrinter.Selection(
                        matches: { [plan] spooled, key, state, index in
                            (selection.selects(spooled, in: key, state: state)
                                || plan.isPrefix(spooled.event, at: .init(key: key, state: state, index: index)))
                                && !held.holdsBack(spooled.event.orderingKey, in: key)
                        },
                        matchesUnreadable: { _ in false },
                        selectsEverything: false
                    ),
                    limit: nil,
                    now: now
                )
                printer.printHeader()
                for state in printed {
                    try await printer.print(state, of: spool)
                }
                printer.printSummary()
                if heldBack > 0 {
                    Output.error(
                        "\(heldBack) selected event\(heldBack == 1 ? " waits" : "s wait") behind a held event of "
                            + "\(heldBack == 1 ? "its" : "their") ordering key and would not be sent (release it first)"
                    )
                }
                if !global.json {
                    Output.line("dry run: these events would be sent; nothing was sent or changed")
                }
            }
        }
    }
}

/// A one-line progress bar on standard error: count, rate and time left. Only drawn on a terminal.
final class ProgressBar: Sendable {
    private struct State {
        var started = ContinuousClock.now
        var lastDrawn: ContinuousClock.Instant?
        var drawn = false
    }

    private let state = Mutex(State())

    func update(_ progress: ReplayProgress) {
        let now = ContinuousClock.now
        let line: String? = state.withLock { state in
            // Redraw at most ten times a second, and always at the end.
            if let last = state.lastDrawn, now - last < .milliseconds(100), progress.done < progress.total {
                return nil
            }
            state.lastDrawn = now
            state.drawn = true
            let elapsed = (now - state.started).seconds
            let rate = elapsed > 0 ? Double(progress.done) / elapsed : 0
            let remaining = rate > 0 ? Double(max(0, progress.total - progress.done)) / rate : 0
            let width = 30
            let filled = progress.total > 0 ? min(width, width * progress.done / progress.total) : 0
            let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
            return "\r[\(bar)] \(progress.done)/\(progress.total)  \(Int(rate))/s  ETA "
                + Duration.seconds(saturating: remaining).shortDescription + "   "
        }
        if let line { Output.progress(line) }
    }

    func finish() {
        if state.withLock({ $0.drawn }) { Output.progress("\n") }
    }
}
