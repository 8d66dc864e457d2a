import EventSpoolModel
import EventSpoolPolicy
import EventSpoolStorage
import EventSpoolWebhook
public import Logging
import Metrics
import Synchronization

import struct Foundation.Date

/// Publishes events to a webhook broker and never loses one: an event a broker does not take goes
/// to a durable spool for the sweeper to deliver.
///
/// ```swift
/// try await withPublisher(configuration: configuration, logger: logger) { publisher in
///     try await publisher.publish(Event(type: "com.example.order.created", source: "/orders", text: json))
/// }
/// ```
///
/// - Important: ``publish(_:)`` returns only once the event is delivered (2xx) or on stable storage.
///   It throws ``PublishError`` only when neither is true.
public final class Publisher: Sendable {
    /// The configuration the publisher was made with.
    public let configuration: Configuration

    /// The primary broker, then the secondary one when configured.
    private let brokers: [Broker]
    let spool: any Spool
    /// The spool this publisher opened itself, and so shuts down.
    private let ownedSpool: (any Spool)?
    private let clock: any WallClock
    let logger: Logger
    private let state: Mutex<State>
    let writeAheadObjects = WriteAheadObjects()
    private let metrics = PublisherMetrics()

    private struct State {
        var breaker: CircuitBreaker
        var inFlight = 0
        var isShutDown = false
        var idleWaiters: [Int: CheckedContinuation<Void, Never>] = [:]
        var nextWaiterID = 0
    }

    /// Opens the configured spool (``SpoolConfiguration/open(clock:logger:)``: a directory, or an object store
    /// with its local last resort) and prepares the broker clients; no connection is made yet.
    ///
    /// - Throws: ``SpoolError`` when the spool cannot be opened, ``BrokerClientError`` when a broker
    ///   configuration is unusable.
    public convenience init(
        configuration: Configuration,
        clock: any WallClock = SystemWallClock(),
        logger: Logger
    ) throws {
        let spool = try configuration.spool.open(clock: clock, logger: logger)
        try self.init(configuration: configuration, spool: spool, ownedSpool: spool, clock: clock, logger: logger)
    }

    /// Creates a publisher over any ``Spool``; the caller keeps ownership of `spool`.
    ///
    /// `configuration.spool` must be the configuration `spool` was opened with (``Spool/configuration``): the
    /// publisher writes to `spool`, so another directory or other limits there would be silently ignored.
    ///
    /// - Throws: ``ConfigurationError`` (key `spool`) when `configuration.spool` is not `spool.configuration`;
    ///   ``BrokerClientError`` when a broker configuration is unusable.
    public convenience init(
        configuration: Configuration,
        spool: any Spool,
        clock: any WallClock = SystemWallClock(),
        logger: Logger
    ) throws {
        try ConfigurationError.requireSame(configuration.spool, as: spool)
        try self.init(configuration: configuration, spool: spool, ownedSpool: nil, clock: clock, logger: logger)
    }

    private init(
        configuration: Configuration,
        spool: any Spool,
        ownedSpool: (any Spool)?,
        clock: any WallClock,
        logger: Logger
    ) throws {
        var brokers = [
            try Broker(
                configuration: configuration.broker,
                classification: configuration.classification,
                clock: clock,
                logger: logger
            )
        ]
        if let secondary = configuration.secondaryBroker {
            brokers.append(
                try Broker(
                    configuration: secondary,
                    classification: configuration.classification,
                    clock: clock,
                    logger: logger
                )
            )
        }
        self.configuration = configuration
        self.brokers = brokers
        self.spool = spool
        self.ownedSpool = ownedSpool
        self.clock = clock
        self.logger = logger
        self.state = Mutex(State(breaker: CircuitBreaker(configuration: configuration.circuitBreaker)))
    }

    /// Publishes one event: delivers it to a broker, or writes it to the spool.
    ///
    /// - Important: Returns only once the event is delivered (2xx) or durably spooled (fsynced,
    ///   renamed into place, directory fsynced).
    /// - Returns: ``PublishOutcome/delivered`` or ``PublishOutcome/spooled(key:reason:)``.
    /// - Throws: ``PublishError`` when the event is invalid, when the publisher is shut down, or when
    ///   it is neither delivered nor durably spooled. The error carries the event.
    public func publish(_ event: Event) async throws(PublishError) -> PublishOutcome {
        do {
            try event.validate(maxBodyBytes: configuration.maxBodyBytes)
        } catch {
            throw lastResort(PublishError(code: .invalidEvent, event: event, cause: error))
        }
        // The publishing task's trace context travels with the event: into the spool and on every attempt.
        let event = TraceHeaders.adoptingCurrentContext(event)
        guard enter() else {
            throw lastResort(PublishError(code: .shutDown, event: event))
        }
        defer { leave() }

        let start = ContinuousClock.now
        do {
            let outcome =
                configuration.mode == .writeAhead
                ? try await publishWriteAhead(event)
                : try await publishFallback(event)
            metrics.record(outcome, duration: ContinuousClock.now - start)
            return outcome
        } catch {
            metrics.recordFailure()
            throw lastResort(error)
        }
    }

    /// The primary broker client's transfer thread as a task executor.
    ///
    /// A task that publishes one event after another can run under
    /// `withTaskExecutorPreference(publisher.executor) { … }`: a delivered publish then costs no thread
    /// switch (from the cooperative pool it costs two). Its code between publishes delays the client's
    /// other transfers, so keep it short and never block in it. Spooling still happens on the spool's
    /// own threads.
    package var executor: any TaskExecutor { brokers[0].executor }

    /// Stops accepting publishes, waits (at most `shutdownTimeout`) for those in flight, then closes
    /// the broker connections and the spool. Publishes still waiting on a broker then are spooled.
    public func shutdown() async {
        let alreadyShutDown = state.withLock { state in
            defer { state.isShutDown = true }
            return state.isShutDown
        }
        guard !alreadyShutDown else { return }
        await waitUntilIdle(timeout: configuration.shutdownTimeout)
        for broker in brokers {
            // Aborts transfers still in flight; their publishes fall back to the spool.
            await broker.shutdown(gracePeriod: .zero)
        }
        await waitUntilIdle(timeout: configuration.shutdownTimeout)
        await ownedSpool?.shutdown()
    }

    // MARK: - Modes

    private func publishFallback(_ event: Event) async throws(PublishError) -> PublishOutcome {
        let now = clock.now
        var record = DeliveryRecord(spooledAt: now)
        if let orderingKey = event.orderingKey, await orderingKeyIsWaiting(orderingKey) {
            return try await write(event, record: record, reason: .orderingKeyWaiting(orderingKey))
        }
        guard let result = await attempt(event, record: &record) else {
            return try await write(event, record: record, reason: .circuitOpen)
        }
        if result.isDelivered {
            return .delivered
        }
        record.nextAttemptAt = nextAttempt(after: result, record: record)
        return try await write(event, record: record, reason: .deliveryFailed(result.failure))
    }

    private func publishWriteAhead(_ event: Event) async throws(PublishError) -> PublishOutcome {
        let now = clock.now
        if let orderingKey = event.orderingKey, await orderingKeyIsWaiting(orderingKey) {
            return try await write(
                event,
                record: DeliveryRecord(spooledAt: now),
                reason: .orderingKeyWaiting(orderingKey)
            )
        }
        // Until this lease ends a sweeper leaves the object alone: the publisher is still sending.
        var record = DeliveryRecord(spooledAt: now, nextAttemptAt: now.addingTimeInterval(writeAheadLease.seconds))
        let key: SpoolKey
        // Announced first: the object group commit puts it in is settled only once this event has ended too.
        writeAheadObjects.start(event.id)
        let diversion: LastResortDiversion?
        do {
            (key, diversion) = try await put(event, record: record)
        } catch {
            writeAheadObjects.abandon(event.id)
            // Not durable: a delivery is now the only way to keep the event.
            var unsaved = DeliveryRecord(spooledAt: now)
            if let result = await attempt(event, record: &unsaved), result.isDelivered {
                return .delivered
            }
            throw PublishError(code: .notDurable, event: event, deliveryError: unsaved.lastError, cause: error)
        }

        var reason: SpoolReason
        if let result = await attempt(event, record: &record) {
            if result.isDelivered {
                await writeAheadObjects.finish(event.id, in: key, as: .delivered, spool: spool, logger: logger)
                return .delivered
            }
            record.nextAttemptAt = nextAttempt(after: result, record: record)
            reason = .deliveryFailed(result.failure)
        } else {
            record.nextAttemptAt = clock.now
            reason = .circuitOpen
        }
        reason.lastResort = diversion
        let outcome = PublishOutcome.spooled(key: key, reason: reason)
        await writeAheadObjects.finish(event.id, in: key, as: .kept(record), spool: spool, logger: logger)
        return outcome
    }

    /// How long a write-ahead object is left to its publisher: every broker's total timeout, plus margin.
    private var writeAheadLease: Duration {
        let brokers = [configuration.broker] + (configuration.secondaryBroker.map { [$0] } ?? [])
        return brokers.reduce(Duration.seconds(10)) { $0 + $1.timeout }
    }

    // MARK: - Steps

    /// Tries the brokers in order, recording every attempt in `record`.
    ///
    /// - Returns: The last result, or `nil` when the circuit breaker kept the event off the network.
    private func attempt(_ event: Event, record: inout DeliveryRecord) async -> DeliveryResult? {
        let decision = state.withLock { $0.breaker.decide(now: clock.now) }
        guard decision != .reject else { return nil }

        var last: DeliveryResult?
        for broker in brokers {
            let attemptTime = clock.now
            // `publish` validated the event already, against the configured body limit.
            let result = await broker.deliver(event, validating: false)
            last = result
            // A delivered event is never spooled, so only failed attempts need recording.
            if result.isDelivered { break }
            record.record(attemptAt: attemptTime, error: result.error)
        }
        guard let last else { return nil }

        let opened = state.withLock { $0.breaker.record(last.outcome, now: clock.now) }
        if opened {
            logger.info(
                "circuit open: spooling without sending for \(configuration.circuitBreaker.breakDuration)",
                metadata: ["broker.url": "\(brokers[0].url)", "delivery.error": "\(last.error?.message ?? "")"]
            )
        }
        return last
    }

    /// When the sweeper should try a failed event first: the retry policy's backoff, never before
    /// the broker's `Retry-After`; at once for a permanent failure, so the sweeper decides promptly.
    private func nextAttempt(after result: DeliveryResult, record: DeliveryRecord) -> Date {
        let now = clock.now
        switch result.outcome {
        case .retryable(let retryAfter):
            return configuration.retry.nextAttempt(after: now, attempts: record.attempts, retryAfter: retryAfter)
        case .delivered, .permanent, .endpointGone:
            return now
        }
    }

    /// Logs an event that is not safe, body included, at error level: the last place it exists.
    ///
    /// One record of bounded size whatever the event holds — it may be invalid for holding a line break, or a
    /// body of megabytes: every value is escaped (``LoggedText``) and cut, the body to
    /// ``LoggedBody/maxBytes``. The caller still has the whole event in the error.
    private func lastResort(_ error: PublishError) -> PublishError {
        let event = error.event
        logger.error(
            "\(LoggedText("event NOT published: \(error)", maxBytes: 4 * LoggedText.defaultMaxBytes))",
            metadata: [
                "event.id": "\(LoggedText(event.id))", "event.type": "\(LoggedText(event.type))",
                "event.source": "\(LoggedText(event.source))", "event.time": "\(Self.loggable(event.time))",
                "event.contentType": "\(LoggedText(event.contentType))", "event.body": "\(LoggedBody(event.body))",
            ]
        )
        return error
    }

    /// A time as a log shows it; one that is not a date (NaN, out of range: an invalid event) as a number,
    /// since Foundation's description traps on NaN.
    private static func loggable(_ time: Date) -> String {
        let seconds = time.timeIntervalSince1970
        return Event.representableSeconds.contains(seconds) ? "\(time)" : "\(seconds) s since 1970"
    }

    // MARK: - In-flight accounting

    private func enter() -> Bool {
        state.withLock { state in
            guard !state.isShutDown else { return false }
            state.inFlight += 1
            return true
        }
    }

    private func leave() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.inFlight -= 1
            guard state.inFlight == 0 else { return [] }
            defer { state.idleWaiters = [:] }
            return Array(state.idleWaiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns when no publish is in flight, or after `timeout`.
    private func waitUntilIdle(timeout: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.idle() }
            group.addTask { try? await Task.sleep(for: timeout) }
            await group.next()
            group.cancelAll()
        }
    }

    private func idle() async {
        let id = state.withLock { state -> Int in
            state.nextWaiterID += 1
            return state.nextWaiterID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let resumeNow = state.withLock { state -> Bool in
                    if state.inFlight == 0 || Task.isCancelled { return true }
                    state.idleWaiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.idleWaiters.removeValue(forKey: id) }?.resume()
        }
    }
}
