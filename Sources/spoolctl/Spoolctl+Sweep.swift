import ArgumentParser
import EventSpool
import Logging

extension Spoolctl {
    struct Sweep: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Deliver what waits in the spool, once: the cron entry point.",
            discussion: """
                Prints nothing when all is well, so cron mails nothing; prints the report when something was \
                given up, quarantined, the endpoint is gone or the spool failed (exit 1), or when the backlog \
                is past an alert threshold (exit 69). With --json, always prints the report as one JSON object, \
                also when another sweeper holds the lock (lockHeld: true). Exits 0 at once when another sweeper \
                holds the spool's lock. --metrics-file writes the spool's and the pass's metrics for \
                node_exporter's textfile collector.
                """
        )

        @OptionGroup var global: GlobalOptions

        @Option(
            parsing: .unconditional,
            help: ArgumentHelp(
                "Stop starting deliveries after this long (e.g. 50s; more than 0).",
                valueName: "duration"
            ),
            transform: DurationArgument.parsePositive
        )
        var maxTime: DurationArgument?

        @OptionGroup var alert: AlertOptions

        @Option(
            help: ArgumentHelp(
                "Write the metrics in the Prometheus text format to this file, atomically (a *.prom file in "
                    + "node_exporter's textfile collector folder).",
                valueName: "path"
            ),
            completion: .file()
        )
        var metricsFile: String?

        func validate() throws {
            if let problem = metricsFile.flatMap(MetricsFile.problem(with:)) { throw ValidationError(problem) }
        }

        func run() async throws {
            let logger = global.makeLogger()
            var configuration = try await LoadedConfiguration.load(global, logger: logger).sweeper()
            configuration.alert = alert.applied(to: configuration.alert)
            let export = metricsFile.map { _ in PrometheusExport() }
            export?.bootstrapSwiftMetrics()
            let report = try await SweeperRun.with(configuration, logger: logger) { sweeper in
                await sweeper.sweep(deadline: maxTime.map { .now + $0.duration })
            }
            var metricsFailure: CommandFailure?
            if let export, let metricsFile {
                metricsFailure = await SweepMetrics.write(report, export, to: metricsFile, configuration, logger)
            }
            if report.lockHeld && !global.json {
                logger.debug("another sweeper holds the lock; nothing to do")
            } else {
                do {
                    try SweeperRun.print(report, json: global.json, always: false)
                } catch {
                    // The report and its status come first; the failed write is still said on standard error.
                    if let metricsFailure { Output.error("spoolctl: \(metricsFailure.message)") }
                    throw error
                }
            }
            // After the report: an error line whose status is the exit status (74).
            if let metricsFailure { throw metricsFailure }
        }
    }
}

/// Running a sweeper for `sweep` and `replay`, and printing its report.
enum SweeperRun {
    /// Opens the spool for writing (as its owner only, on an existing spool directory, or the bucket), creates
    /// a sweeper over it, runs `body` with it, and shuts both down.
    static func with(
        _ configuration: Sweeper.Configuration,
        logger: Logger,
        _ body: (Sweeper) async throws -> SweepReport
    ) async throws -> SweepReport {
        try await SpoolAccess.withSpool(configuration.spool, for: .writing, logger: logger) { spool in
            let sweeper = try await LoadedConfiguration.making(
                broker: configuration.broker,
                spool: configuration.spool,
                logger: logger
            ) { try Sweeper(configuration: configuration, spool: spool, logger: logger) }
            do {
                let report = try await body(sweeper)
                await sweeper.shutdown()
                return report
            } catch {
                await sweeper.shutdown()
                throw error
            }
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
        if report.alert != nil {
            throw CommandFailure(.backlog, "", isReportedInJSON: true)
        }
    }
}
