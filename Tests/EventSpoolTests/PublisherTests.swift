import EventSpoolTesting
import Foundation
import InMemoryLogging
import Logging
import TestSupport
import Testing

@testable import EventSpool

/// The publisher against the real test broker and a real spool directory.
@Suite struct PublisherTests {
    let body = #"{"order":42,"note":"ünïcode ✓"}"#

    func event(_ index: Int = 0, orderingKey: String? = nil) -> Event {
        Event(
            type: "com.example.order.created",
            source: "/orders",
            subject: "order-\(index)",
            orderingKey: orderingKey,
            text: body,
            extensions: ["tenant": "acme"]
        )
    }

    @Test(.serialized, arguments: SpoolKind.all)
    func deliversWithCloudEventsHeadersAndLeavesTheSpoolEmpty(kind: SpoolKind) async throws {
        try await withTestBroker { broker in
            try await withPublisherSpool(kind) { spool, context in
                let publisher = try Publisher(
                    configuration: .init(broker: BrokerConfiguration(url: broker.url), spool: spool.configuration),
                    spool: spool,
                    logger: quietLogger
                )
                let sent = event()
                let outcome = try await publisher.publish(sent)
                await publisher.shutdown()

                #expect(outcome == .delivered)
                let request = try #require(broker.requests.first)
                #expect(request.method == "POST")
                #expect(request.body == Array(body.utf8))
                #expect(request.header("ce-specversion") == "1.0")
                #expect(request.header("ce-id") == sent.id)
                #expect(request.header("ce-type") == sent.type)
                #expect(request.header("ce-source") == sent.source)
                #expect(request.header("ce-subject") == "order-0")
                #expect(request.header("ce-tenant") == "acme")
                #expect(request.header("ce-time") != nil)
                #expect(request.header("content-type") == "application/json")
                #expect(request.header("idempotency-key") == sent.id)
                #expect(try await spool.allEvents(in: .pending).isEmpty)
            }
        }
    }

    @Test(.serialized, arguments: SpoolKind.all, BrokerFault.allCases)
    func spoolsWhenTheBrokerFails(kind: SpoolKind, fault: BrokerFault) async throws {
        try await withTestBroker { broker in
            try await withPublisherSpool(kind) { spool, context in
                try await fault.apply(to: broker)
                var configuration = Publisher.Configuration(
                    broker: BrokerConfiguration(
                        url: broker.url,
                        timeout: .milliseconds(500)
                    ),
                    spool: spool.configuration
                )
                configuration.circuitBreaker.failureThreshold = 0
                let publisher = try Publisher(configuration: configuration, spool: spool, logger: quietLogger)
                let sent = event()
                let outcome = try await publisher.publish(sent)
                await publisher.shutdown()

                guard case .spooled(let key, let reason) = outcome else {
                    Issue.record("expected spooled, got \(outcome)")
                    return
                }
                #expect(reason.deliveryError != nil)
                let object = try await spool.get(key, in: .pending)
                let spooled = try #require(object.events.first { $0.event.id == sent.id })
                #expect(spooled.event == sent)
                #expect(spooled.delivery.attempts == 1)
                #expect(spooled.delivery.lastError == reason.deliveryError)
            }
        }
    }

    /// Documented: a permanent answer (here 400) in fallback mode is spooled with the attempt recorded,
    /// so that the sweeper dead-letters it and names it in its report; `publish` does not throw,
    /// because the caller's state change is already committed and the event must not be lost.
    @Test(.serialized, arguments: SpoolKind.all)
    func permanentAnswerIsSpooledForTheSweeperToDeadLetter(kind: SpoolKind) async throws {
        try await withTestBroker { broker in
            try await withPublisherSpool(kind) { spool, context in
                broker.enqueue(.status(400, body: "bad schema\nsecond line"))
                let publisher = try Publisher(
                    configuration: .init(broker: BrokerConfiguration(url: broker.url), spool: spool.configuration),
                    spool: spool,
                    logger: quietLogger
                )
                let outcome = try await publisher.publish(event())
                await publisher.shutdown()

                guard case .spooled(let key, let reason) = outcome else {
                    Issue.record("expected spooled, got \(outcome)")
                    return
                }
                #expect(reason.deliveryError?.status == 400)
                #expect(reason.description.contains("bad schema"))
                #expect(!reason.description.contains("second line"))
                let object = try await spool.get(key, in: .pending)
                #expect(object.events.first?.delivery.lastError?.status == 400)
            }
        }
    }

    @Test(.serialized, arguments: SpoolKind.all)
    func writeAheadLeavesNothingAfterDeliveryAndSpoolsOnceWhenDown(kind: SpoolKind) async throws {
        try await withTestBroker { broker in
            try await withPublisherSpool(kind) { spool, context in
                var configuration = Publisher.Configuration(
                    broker: BrokerConfiguration(url: broker.url),
                    spool: spool.configuration,
                    mode: .writeAhead
                )
                configuration.circuitBreaker.failureThreshold = 0
                let publisher = try Publisher(configuration: configuration, spool: spool, logger: quietLogger)

                let outcomes = try await withThrowingTaskGroup(of: PublishOutcome.self) { group in
                    for index in 0..<20 {
                        group.addTask { try await publisher.publish(self.event(index)) }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                #expect(outcomes.allSatisfy { $0 == .delivered })
                #expect(try await spool.allEvents(in: .pending).isEmpty)

                try await broker.stopListening()
                let down = event(99)
                let outcome = try await publisher.publish(down)
                await publisher.shutdown()
                guard case .spooled = outcome else {
                    Issue.record("expected spooled, got \(outcome)")
                    return
                }
                let pending = try await spool.allEvents(in: .pending)
                #expect(pending.map(\.event.id) == [down.id])
                #expect(pending.first?.delivery.attempts == 1)
            }
        }
    }

    @Test(.serialized, arguments: SpoolKind.all)
    func writeAheadObjectsSharedByPublishesKeepExactlyTheUndeliveredEvents(kind: SpoolKind) async throws {
        try await withTestBroker { broker in
            try await withPublisherSpool(kind) { spool, context in
                // Every third request fails: objects that group commit filled from several publishes end
                // partly delivered, and are rewritten once with the others.
                broker.setSchedule { index in index % 3 == 2 ? .status(503) : .status(204) }
                var configuration = Publisher.Configuration(
                    broker: BrokerConfiguration(url: broker.url),
                    spool: spool.configuration,
                    mode: .writeAhead
                )
                configuration.circuitBreaker.failureThreshold = 0
                let publisher = try Publisher(configuration: configuration, spool: spool, logger: quietLogger)

                let outcomes = try await withThrowingTaskGroup(of: (String, PublishOutcome).self) { group in
                    for index in 0..<48 {
                        group.addTask {
                            let event = self.event(index)
                            return (event.id, try await publisher.publish(event))
                        }
                    }
                    return try await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
                }
                await publisher.shutdown()
                let spooled = Set(outcomes.filter { $0.value != .delivered }.keys)
                #expect(spooled.count == 16)
                let pending = try await spool.allEvents(in: .pending)
                #expect(pending.count == spooled.count, "each undelivered event once, no delivered one")
                #expect(Set(pending.map(\.event.id)) == spooled)
                #expect(pending.allSatisfy { $0.delivery.attempts == 1 })
            }
        }
    }

    @Test(.serialized, arguments: SpoolKind.all)
    func secondaryBrokerTakesWhatThePrimaryRefuses(kind: SpoolKind) async throws {
        try await withTestBroker { primary in
            try await withTestBroker { secondary in
                try await withPublisherSpool(kind) { spool, _ in
                    primary.setDefaultBehavior(.status(503))
                    let publisher = try Publisher(
                        configuration: .init(
                            broker: BrokerConfiguration(url: primary.url),
                            secondaryBroker: BrokerConfiguration(url: secondary.url),
                            spool: spool.configuration
                        ),
                        spool: spool,
                        logger: quietLogger
                    )
                    let sent = event()
                    #expect(try await publisher.publish(sent) == .delivered)
                    await publisher.shutdown()
                    #expect(primary.requests.map { $0.header("ce-id") } == [sent.id])
                    #expect(secondary.requests.map { $0.header("ce-id") } == [sent.id])
                    #expect(try await spool.allEvents(in: .pending).isEmpty)
                }
            }
        }
    }

    @Test(.serialized, arguments: SpoolKind.all)
    func sixteenTasksSpoolEightThousandEventsWithoutCollisions(kind: SpoolKind) async throws {
        try await withTestBroker { broker in
            try await withPublisherSpool(kind) { spool, context in
                try await broker.stopListening()
                let publisher = try Publisher(
                    configuration: .init(broker: BrokerConfiguration(url: broker.url), spool: spool.configuration),
                    spool: spool,
                    logger: quietLogger
                )
                let ids = try await withThrowingTaskGroup(of: [String].self) { group in
                    for task in 0..<16 {
                        group.addTask {
                            var ids = [String]()
                            for index in 0..<500 {
                                let sent = self.event(task * 1000 + index)
                                guard case .spooled = try await publisher.publish(sent) else {
                                    throw TestFailure("event \(index) of task \(task) was not spooled")
                                }
                                ids.append(sent.id)
                            }
                            return ids
                        }
                    }
                    return try await group.reduce(into: []) { $0 += $1 }
                }
                await publisher.shutdown()

                let stored = try await spool.allEvents(in: .pending).map(\.event.id)
                #expect(stored.count == 8000)
                #expect(Set(stored) == Set(ids))
            }
        }
    }

    @Test func fullSpoolThrowsWithTheEventAndLogsItAsALastResort() async throws {
        try await withTestBroker { broker in
            try await withPublisherSpool(limits: .init(maxBytes: 1 << 30, maxObjects: 2)) { spool, context in
                try await broker.stopListening()
                let publisher = try Publisher(
                    configuration: .init(broker: BrokerConfiguration(url: broker.url), spool: spool.configuration),
                    spool: spool,
                    logger: context.logger
                )
                _ = try await publisher.publish(event(1))
                _ = try await publisher.publish(event(2))
                let third = event(3)
                await #expect {
                    try await publisher.publish(third)
                } throws: { error in
                    guard let error = error as? PublishError else { return false }
                    return error.code == .notDurable && error.event == third && error.deliveryError != nil
                }
                await publisher.shutdown()

                #expect(try await spool.allEvents(in: .pending).count == 2)
                #expect(context.names(in: "tmp").isEmpty)
                let line = try #require(context.logs.entries.first { $0.level == .error })
                #expect(line.metadata["event.id"] == "\(third.id)")
                #expect(line.metadata["event.body"] == "\(body)")
            }
        }
    }

    @Test func invalidEventsFailBeforeAnyIO() async throws {
        try await withTestBroker { broker in
            try await withPublisherSpool { spool, context in
                let publisher = try Publisher(
                    configuration: .init(
                        broker: BrokerConfiguration(url: broker.url),
                        spool: spool.configuration,
                        maxBodyBytes: 16
                    ),
                    spool: spool,
                    logger: context.logger
                )
                let invalid = [
                    Event(type: "", source: "/s", text: "{}"),
                    Event(type: "t", source: "/s\nInjected: yes", text: "{}"),
                    Event(type: "t", source: "/s", text: String(repeating: "x", count: 17)),
                    // Its last-resort log line must not trap on the time (Date.description does on NaN).
                    Event(type: "t", source: "/s", time: Date(timeIntervalSince1970: .nan), text: "{}"),
                ]
                for event in invalid {
                    // Not `#expect(throws:)`: it would print the event, and `Date.description` traps on NaN.
                    do {
                        _ = try await publisher.publish(event)
                        Issue.record("an invalid event was published")
                    } catch {
                        let code = (error as? PublishError)?.code
                        #expect(code == .invalidEvent)
                    }
                }
                await publisher.shutdown()
                #expect(broker.requests.isEmpty)
                #expect(try await spool.allEvents(in: .pending).isEmpty)
                let logged = context.logs.entries.filter { $0.level == .error }
                #expect(logged.count == invalid.count)
                #expect(logged.last?.metadata["event.time"] == "nan s since 1970")
            }
        }
    }

    @Test(.serialized, arguments: SpoolKind.all)
    func circuitBreakerSpoolsWithoutSendingThenProbes(kind: SpoolKind) async throws {
        try await withTestBroker { broker in
            try await withPublisherSpool(kind) { spool, context in
                broker.setDefaultBehavior(.status(503))
                let clock = ManualWallClock(Date(timeIntervalSince1970: 1_800_000_000))
                let publisher = try Publisher(
                    configuration: .init(
                        broker: BrokerConfiguration(url: broker.url),
                        spool: spool.configuration,
                        circuitBreaker: .init(failureThreshold: 3, breakDuration: .seconds(30))
                    ),
                    spool: spool,
                    clock: clock,
                    logger: quietLogger
                )
                for index in 0..<3 {
                    _ = try await publisher.publish(event(index))
                }
                #expect(broker.requests.count == 3)

                let skipped = try await publisher.publish(event(3))
                #expect(skipped.spoolReason == .circuitOpen)
                #expect(broker.requests.count == 3)

                clock.advance(by: .seconds(31))
                broker.setDefaultBehavior(.status(204))
                #expect(try await publisher.publish(event(4)) == .delivered)
                #expect(try await publisher.publish(event(5)) == .delivered)
                #expect(broker.requests.count == 5)
                await publisher.shutdown()
            }
        }
    }

    @Test(.serialized, arguments: SpoolKind.all)
    func orderingKeyWithWaitingEventsIsSpooledBehindThem(kind: SpoolKind) async throws {
        try await withTestBroker { broker in
            try await withPublisherSpool(kind) { spool, context in
                broker.enqueue(.status(503))
                let publisher = try Publisher(
                    configuration: .init(broker: BrokerConfiguration(url: broker.url), spool: spool.configuration),
                    spool: spool,
                    logger: quietLogger
                )
                let first = try await publisher.publish(event(1, orderingKey: "customer-7"))
                #expect(first.spoolReason?.deliveryError?.status == 503)

                let second = try await publisher.publish(event(2, orderingKey: "customer-7"))
                #expect(second.spoolReason == .orderingKeyWaiting("customer-7"))
                #expect(try await publisher.publish(event(3, orderingKey: "customer-8")) == .delivered)
                #expect(broker.requests.count == 2)
                await publisher.shutdown()
            }
        }
    }

}
