import EventSpoolModel
import EventSpoolPolicy
import EventSpoolStorage
import EventSpoolSystem
import EventSpoolWebhook
public import Logging

import struct Foundation.Date

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Delivers the events waiting in a spool: one pass from cron (``sweep(deadline:)``), a long-running
/// service (``run()``), or an operator's replay (``replay(_:dryRun:progress:)``), all sharing one pass.
///
/// A pass holds the spool's sweeper lease (``Spool/tryAcquireSweeperLease()``; a second sweeper returns at once
/// with ``SweepReport/lockHeld``), reads pending objects in key order, skips those not due yet, delivers with
/// bounded concurrency while keeping each ordering key in order, and classifies every answer (see
/// `docs/sweeper.md`): 2xx removes the event, a retryable failure records the attempt and the next
/// attempt time, 410 stops the pass, and a permanent failure or exhausted retries go to the
/// ``FallbackPolicy``.
///
/// ```swift
/// let sweeper = try Sweeper(configuration: configuration, logger: logger)
/// let report = await sweeper.sweep(deadline: .now + .seconds(50))
/// print(report.renderText(), terminator: "")
/// await sweeper.shutdown()
/// ```
///
/// - Important: An event leaves `pending/` only after a 2xx from a broker, or once it is written to
///   `dead/` and named in the report.
public final class Sweeper: Sendable {
    /// The configuration the sweeper was made with.
    public let configuration: Configuration

    let spool: any Spool
    /// The spool this sweeper opened itself, and so shuts down.
    private let ownedSpool: (any Spool)?
    private let primary: Broker
    private let secondary: Broker?
    let clock: any WallClock
    private let jitter: JitterSource
    private let metrics = SweeperMetrics()
    let logger: Logger

    /// Opens the configured spool (``SpoolConfiguration/open(clock:logger:)``: a directory, or an object store
    /// with its local last resort) and prepares the broker clients; no connection is made yet.
    ///
    /// - Parameters:
    ///   - configuration: Brokers, spool, policies and pacing.
    ///   - clock: The wall clock; tests pass one they move by hand.
    ///   - randomNumberGenerator: The source of retry jitter; the system's by default, a seeded one in tests.
    ///   - logger: Where the sweeper logs (info and below).
    /// - Throws: ``BrokerClientError`` when a broker configuration is unusable, ``SpoolError`` when the
    ///   spool cannot be opened.
    public convenience init(
        configuration: Configuration,
        clock: any WallClock = SystemWallClock(),
        randomNumberGenerator: (any RandomNumberGenerator & Sendable)? = nil,
        logger: Logger
    ) throws {
        // The clients first: they hold nothing until the first delivery, so a spool error leaks nothing.
        let (primary, secondary) = try Self.makeBrokers(configuration, clock: clock, logger: logger)
        let spool = try configuration.spool.open(clock: clock, logger: logger)
        self.init(
            configuration: configuration,
            spool: spool,
            ownedSpool: spool,
            primary: primary,
            secondary: secondary,
            clock: clock,
            randomNumberGenerator: randomNumberGenerator,
            logger: logger
        )
    }

    /// Creates a sweeper over a spool the caller opened (and keeps ownership of), for example the one a
    /// ``Publisher`` in the same process uses, or a spool of another kind than a directory.
    ///
    /// `configuration.spool` must be the configuration `spool` was opened with (``Spool/configuration``): the
    /// sweeper drains `spool` and judges its limits by `spool`'s own configuration, so a configuration naming
    /// another directory or other limits would be silently ignored — it is refused instead.
    ///
    /// - Throws: ``ConfigurationError`` (key `spool`) when `configuration.spool` is not `spool.configuration`;
    ///   ``BrokerClientError`` when a broker configuration is unusable.
    public convenience init(
        configuration: Configuration,
        spool: any Spool,
        clock: any WallClock = SystemWallClock(),
        randomNumberGenerator: (any RandomNumberGenerator & Sendable)? = nil,
        logger: Logger
    ) throws {
        try ConfigurationError.requireSame(configuration.spool, as: spool)
        let (primary, secondary) = try Self.makeBrokers(configuration, clock: clock, logger: logger)
        self.init(
            configuration: configuration,
            spool: spool,
            ownedSpool: nil,
            primary: primary,
            secondary: secondary,
            clock: clock,
            randomNumberGenerator: randomNumberGenerator,
            logger: logger
        )
    }

    private init(
        configuration: Configuration,
        spool: any Spool,
        ownedSpool: (any Spool)?,
        primary: Broker,
        secondary: Broker?,
        clock: any WallClock,
        randomNumberGenerator: (any RandomNumberGenerator & Sendable)?,
        logger: Logger
    ) {
        self.configuration = configuration
        self.spool = spool
        self.ownedSpool = ownedSpool
        self.primary = primary
        self.secondary = secondary
        self.clock = clock
        self.jitter = JitterSource(randomNumberGenerator ?? SystemRandomNumberGenerator())
        self.logger = logger
        if configuration.fallback.triesSecondaryBroker && secondary == nil {
            logger.info("fallback policy secondaryBroker without a secondary broker: given-up events go to dead/")
        }
    }

    private static func makeBrokers(
        _ configuration: Configuration,
        clock: any WallClock,
        logger: Logger
    ) throws(BrokerClientError) -> (Broker, Broker?) {
        let primary = try Broker(
            configuration: configuration.broker,
            classification: configuration.classification,
            clock: clock,
            logger: logger
        )
        // The secondary broker is only ever offered given-up events.
        guard configuration.fallback.triesSecondaryBroker, let secondaryConfiguration = configuration.secondaryBroker
        else {
            return (primary, nil)
        }
        let secondary = try Broker(
            configuration: secondaryConfiguration,
            classification: configuration.classification,
            clock: clock,
            logger: logger
        )
        return (primary, secondary)
    }

    // MARK: - Passes

    /// Runs one pass over `pending/` — the cron entry point.
    ///
    /// - Parameter deadline: When to stop starting deliveries (in-flight ones finish); the events not
    ///   reached are counted in the report and stay pending.
    /// - Returns: What the pass did. ``SweepReport/lockHeld`` when another sweeper holds the spool's lock;
    ///   then nothing was done.
    public func sweep(deadline: ContinuousClock.Instant? = nil) async -> SweepReport {
        await sweep(until: deadline.map(SweepDeadline.init))
    }

    /// Runs one pass over `pending/` that stops starting deliveries once `deadline` has passed.
    func sweep(until deadline: SweepDeadline?) async -> SweepReport {
        await locked(.sweep) { report, lease in
            let passStart = clock.now
            // Before the listing: the marks a put sets from here on survive the release at the end.
            var canReleaseOrderingKeys = true
            var releaseFailure: (any Error)?
            do {
                try await spool.beginOrderingKeyRelease()
            } catch {
                canReleaseOrderingKeys = false
                releaseFailure = error
            }
            let pass = makePass(SweepingPolicy(), lease: lease, deadline: deadline, progress: nil, report: report)
            await pass.run([.listing([.pending])])
            report = pass.report
            // A lost lease ends the pass's writes: another sweeper may be releasing marks and tidying by now.
            let holdsLease = lease?.isValid ?? true
            let sawWholeSpool = pass.knowsAllOrderingKeys && report.failure == nil && holdsLease
            if sawWholeSpool && canReleaseOrderingKeys {
                do {
                    // A held event keeps its key's mark: publishers go on spooling the later events of its key.
                    try await spool.releaseOrderingKeys(keeping: pass.pendingOrderingKeys.union(pass.held.orderingKeys))
                } catch {
                    releaseFailure = error
                }
            }
            if let releaseFailure {
                // Marks left in place make publishers spool every later event of their keys instead of sending
                // it: slower, never out of order, but a person must know.
                logger.warning("cannot release ordering keys", metadata: ["error": "\(releaseFailure)"])
                if report.failure == nil {
                    report.failure = "cannot release ordering keys: \(releaseFailure)"
                }
            }
            metrics.record(report, sawWholeSpool: sawWholeSpool)
            report.alert = await alert(for: report)
            guard holdsLease else { return }
            do {
                // Hour and minute folders emptied by this and earlier passes; recent ones are left to writers.
                try await spool.removeLeftovers(before: passStart.addingTimeInterval(-Self.folderGrace.seconds))
            } catch {
                logger.info("cannot remove spool leftovers", metadata: ["error": "\(error)"])
            }
        }
    }

    /// How old an empty dated folder must be before a sweep removes it.
    static let folderGrace = Duration.seconds(600)

    /// Builds a pass with this sweeper's clients and policies.
    func makePass(
        _ policy: any SweepPolicy,
        lease: (any SpoolLease)?,
        deadline: SweepDeadline?,
        progress: (@Sendable (ReplayProgress) -> Void)?,
        report: SweepReport
    ) -> SweepPass {
        let attempt = DeliveryAttempt(
            primary: primary,
            secondary: secondary,
            retry: configuration.retry,
            fallback: configuration.fallback,
            clock: clock,
            jitter: jitter,
            metrics: metrics,
            logger: logger
        )
        return SweepPass(
            spool: spool,
            lease: lease,
            attempt: attempt,
            clock: clock,
            logger: logger,
            policy: policy,
            concurrency: configuration.concurrency,
            circuitBreakerThreshold: configuration.circuitBreakerThreshold,
            maxOpenBytes: configuration.maxOpenObjectBytes,
            deadline: deadline,
            progress: progress,
            report: report
        )
    }

    /// Runs `body` holding the spool's sweeper lease, renewed while `body` runs, and finishes the report;
    /// returns at once when another sweeper holds the lease. `body` gets the lease (`nil` when not taking it).
    func locked(
        _ kind: SweepReport.Kind,
        takingLock: Bool = true,
        _ body: (inout SweepReport, (any SpoolLease)?) async -> Void
    ) async -> SweepReport {
        let started = ContinuousClock.now
        var report = SweepReport(kind: kind, spoolDirectory: spool.location, startedAt: clock.now)
        var lease: (any SpoolLease)?
        if takingLock {
            do {
                lease = try await spool.tryAcquireSweeperLease()
            } catch {
                report.failure = "cannot take the sweeper lease: \(error)"
                report.remainingIsKnown = false
                logger.info("cannot take the sweeper lock", metadata: ["error": "\(error)"])
                return report
            }
            guard lease != nil else {
                report.lockHeld = true
                report.remainingIsKnown = false
                logger.info(
                    "another sweeper holds the lock; nothing to do",
                    metadata: ["spool.directory": "\(spool.location)"]
                )
                return report
            }
        }
        if let lease {
            logLock("sweeper lock taken")
            await withRenewals(of: lease) { await body(&report, lease) }
            if !lease.isValid {
                report.failure = report.failure ?? "the sweeper lease was lost during the pass"
                report.remainingIsKnown = false
            }
            // Logged before the release (and "taken" after the lease was taken), so the logged interval lies
            // within the time the lease was really held.
            logLock("sweeper lock releasing")
            await lease.release()
        } else {
            await body(&report, nil)
        }
        report.duration = ContinuousClock.now - started
        log(report)
        return report
    }

    /// Runs `body` while renewing `lease` every ``SpoolLease/renewalInterval`` (a lease without one runs
    /// `body` alone). A lost lease ends the renewals; the pass finds it lost at its next ``SpoolLease/check()``.
    private func withRenewals(of lease: any SpoolLease, _ body: () async -> Void) async {
        guard let interval = lease.renewalInterval else {
            await body()
            return
        }
        await withDiscardingTaskGroup { group in
            group.addTask { [logger] in
                while (try? await Task.sleep(for: interval)) != nil {
                    do throws(SpoolError) {
                        try await lease.renew()
                    } catch {
                        logger.info("cannot renew the sweeper lease", metadata: ["error": "\(error)"])
                        if error.code == .leaseLost { return }
                    }
                }
            }
            await body()
            group.cancelAll()
        }
    }

    /// Logs a lock hand-over at debug level, with `CLOCK_MONOTONIC` in nanoseconds: unlike the wall clock it
    /// never steps, and it is the same clock in every process of the host, so an operator (or the reliability
    /// tests) can line up the passes of several sweepers and see that no two held the lock at once.
    private func logLock(_ message: Logger.Message) {
        logger.debug(
            message,
            metadata: [
                "spool.directory": "\(spool.location)",
                "process.id": "\(getpid())",
                "lock.monotonicNanoseconds": "\(monotonicNanoseconds())",
            ]
        )
    }

    private func log(_ report: SweepReport) {
        logger.info(
            "\(report.kind) finished",
            metadata: [
                "sweep.delivered": "\(report.delivered)", "sweep.deferred": "\(report.deferred)",
                "sweep.notDue": "\(report.notDue)", "sweep.deadLettered": "\(report.deadLettered)",
                "sweep.quarantined": "\(report.quarantined)", "sweep.remaining": "\(report.remaining)",
                "sweep.stop": "\(report.stoppedEarly.map { "\($0)" } ?? "none")",
                "sweep.duration": "\(report.duration.shortDescription)",
            ]
        )
    }

    // MARK: - Lifecycle

    /// Shuts down the broker clients and, when the sweeper opened it, the spool. Call it once, after the
    /// last pass returned.
    public func shutdown() async {
        await primary.shutdown()
        await secondary?.shutdown()
        await ownedSpool?.shutdown()
    }
}
