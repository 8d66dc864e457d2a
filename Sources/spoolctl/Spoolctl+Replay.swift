import ArgumentParser
import EventSpool
import Foundation
import Synchronization

extension Spoolctl {
    struct Replay: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Deliver events now, ignoring their backoff; also dead ones.",
            discussion: """
                A dead event that is delivered leaves dead/; one that fails again goes back where it was, \
                with the attempt recorded. Ordering keys stay in order: the earlier pending events of a \
                selected event's ordering key are replayed first, and counted apart in the report. Shows a progress bar (count, rate, ETA) when standard output is a \
                terminal. Ends with the same report as sweep; exits 1 when some event was not delivered.
                """
        )

        @OptionGroup var global: GlobalOptions

        @Argument(help: ArgumentHelp("Event ids or object keys to replay.", valueName: "id-or-key"))
        var identifiers: [String] = []

        @Flag(help: "Replay every pending event.")
        var all = false

        @Flag(help: "Replay every dead event.")
        var dead = false

        @Option(
            help: ArgumentHelp("Only events of this type (of those named, or of --all or --dead).", valueName: "type")
        )
        var type: String?

        @Flag(help: "Say what would be replayed, and deliver nothing.")
        var dryRun = false

        func validate() throws {
            let choices = (identifiers.isEmpty ? 0 : 1) + (all ? 1 : 0) + (dead ? 1 : 0)
            guard choices == 1 else {
                throw ValidationError("Give event ids or object keys, or --all, or --dead (exactly one of them).")
            }
        }

        func run() async throws {
            try await reportingFailures {
                let logger = global.makeLogger()
                let configuration = try await LoadedConfiguration.load(global).sweeper()
                let selection: ReplaySelection
                if all {
                    selection = .allPending(type: type)
                } else if dead {
                    selection = .dead(type: type)
                } else {
                    selection = .named(identifiers, type: type)
                }
                let bar: ProgressBar? = Output.isTerminal && !global.json ? ProgressBar() : nil
                var progress: (@Sendable (ReplayProgress) -> Void)?
                if let bar {
                    progress = { bar.update($0) }
                }
                let report = try await SweeperRun.with(configuration, logger: logger) { [progress] sweeper in
                    await sweeper.replay(selection, dryRun: dryRun, progress: progress)
                }
                bar?.finish()
                try SweeperRun.print(report, json: global.json, always: true)
                // The report names what failed; the status tells scripts that not all was delivered.
                if !dryRun && (report.deferred > 0 || !report.missing.isEmpty) {
                    throw CommandFailure(.attention, "")
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
                + Duration.seconds(remaining).shortDescription + "   "
        }
        if let line { Output.progress(line) }
    }

    func finish() {
        if state.withLock({ $0.drawn }) { Output.progress("\n") }
    }
}
