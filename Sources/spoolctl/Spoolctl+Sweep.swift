import ArgumentParser
import EventSpool
import Logging

extension Spoolctl {
    struct Sweep: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Deliver what waits in the spool, once: the cron entry point.",
            discussion: """
                Prints nothing when all is well, so cron mails nothing; prints the report when something was \
                given up, quarantined, the endpoint is gone or the spool failed (exit 1). With --json, always \
                prints the report as one JSON object — also when another sweeper holds the lock (lockHeld: \
                true). Exits 0 at once when another sweeper holds the spool's lock.
                """
        )

        @OptionGroup var global: GlobalOptions

        @Option(
            parsing: .unconditional,
            help: ArgumentHelp("Stop starting deliveries after this long (e.g. 50s).", valueName: "duration"),
            transform: DurationArgument.parse
        )
        var maxTime: DurationArgument?

        func run() async throws {
            let logger = global.makeLogger()
            let configuration = try await LoadedConfiguration.load(global).sweeper()
            let report = try await SweeperRun.with(configuration, logger: logger) { sweeper in
                await sweeper.sweep(deadline: maxTime.map { .now + $0.duration })
            }
            if report.lockHeld && !global.json {
                logger.debug("another sweeper holds the lock; nothing to do")
                return
            }
            try SweeperRun.print(report, json: global.json, always: false)
        }
    }
}

/// Running a sweeper for `sweep` and `replay`, and printing its report.
enum SweeperRun {
    /// Creates a sweeper (as the spool's owner only), runs `body` with it, and shuts it down.
    static func with(
        _ configuration: Sweeper.Configuration,
        logger: Logger,
        _ body: (Sweeper) async throws -> SweepReport
    ) async throws -> SweepReport {
        let sweeper = try await LoadedConfiguration.making(
            broker: configuration.broker,
            spool: configuration.spool,
            logger: logger
        ) { try Sweeper(configuration: configuration, logger: logger) }
        do {
            let report = try await body(sweeper)
            await sweeper.shutdown()
            return report
        } catch {
            await sweeper.shutdown()
            throw error
        }
    }

    /// Prints `report` (text only when it needs attention, unless `always`), and exits 1 when it needs
    /// attention or `needsAttention` says so.
    static func print(
        _ report: SweepReport,
        json: Bool,
        always: Bool,
        needsAttention: Bool = false
    ) throws(CommandFailure) {
        if json {
            Output.line(report.renderJSON(pretty: false))
        } else {
            let text = report.renderText(always: always || needsAttention)
            var lines = Substring(text)
            while lines.last?.isNewline == true { lines.removeLast() }
            if !lines.isEmpty {
                Output.line(String(lines))
            }
        }
        if report.needsAttention || needsAttention {
            // The report says what; the status tells cron and scripts.
            throw CommandFailure(.attention, "", isReportedInJSON: true)
        }
    }
}
