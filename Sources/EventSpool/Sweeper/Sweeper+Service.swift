import EventSpoolStorage
import Logging
public import ServiceLifecycle

extension Sweeper: Service {
    /// Sweeps every ``Configuration/interval`` until graceful shutdown (or cancellation), for a service
    /// that drains its own spool in-process. Run it in a `ServiceGroup`.
    ///
    /// On graceful shutdown a running pass stops starting deliveries, lets those in flight finish, and
    /// returns; the wait between passes ends at once.
    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let report = await sweep()
            if report.needsAttention {
                logger.info(
                    "sweep needs attention",
                    metadata: [
                        "sweep.deadLettered": "\(report.deadLettered)", "sweep.quarantined": "\(report.quarantined)",
                        "sweep.endpointGone": "\(report.endpointGone)",
                    ]
                )
            }
            let interval = configuration.interval
            do {
                try await cancelWhenGracefulShutdown {
                    try await Task.sleep(for: interval)
                }
            } catch {
                return
            }
        }
    }
}
