import EventSpool
import Foundation
import Logging

/// `sweep --metrics-file`: the spool and the pass, written for node_exporter's textfile collector.
enum SweepMetrics {
    /// Counts the spool after `report`'s pass and rewrites `path` with it; a failure is returned, so that the
    /// sweep's own report and exit status still come first.
    static func write(
        _ report: SweepReport,
        _ export: PrometheusExport,
        to path: String,
        _ configuration: Sweeper.Configuration,
        _ logger: Logger
    ) async -> CommandFailure? {
        do {
            let now = Date()
            let states = try await SpoolAccess.withSpool(configuration.spool, for: .reading, logger: logger) { spool in
                [
                    report.lockHeld
                        ? try await SpoolCensus.count(.pending, of: spool)
                        : try await SpoolCensus.pending(after: report, of: spool),
                    try await SpoolCensus.count(.held, of: spool),
                    try await SpoolCensus.count(.dead, of: spool),
                    try await SpoolCensus.count(.quarantine, of: spool),
                ]
            }
            export.record(states, limits: configuration.spool.limits, now: now)
            try MetricsFile(path: path).update { previous in
                export.record(report, previousFile: previous)
                return export.render()
            }
            return nil
        } catch let failure as CommandFailure {
            return failure
        } catch {
            return CommandFailure(.ioError, "cannot write the metrics file \(path): \(error)")
        }
    }
}
