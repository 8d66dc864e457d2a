import EventSpoolTesting
import Foundation
import Synchronization
import Testing

@testable import EventSpool

/// The shape of a pass: the lock, ordering, quarantine, the deadline, restarts and multi-event objects (the
/// circuit breaker: SweeperCircuitBreakerTests).
@Suite struct SweeperPassTests {
    @Test(.serialized, arguments: SpoolKind.all)
    func secondSweeperReturnsAtOnceWhileTheFirstHoldsTheLock(kind: SpoolKind) async throws {
        try await SweeperFixture.with(kind) { fixture in
            try await withTestBroker { broker in
                // The first request is slow, so the first sweeper is surely mid-pass when the second starts.
                broker.setSchedule { index in index == 0 ? .delay(.seconds(1), then: .status(200)) : .status(200) }
                let events = (0..<5).map { testEvent("\($0)") }
                try await fixture.spoolEach(events)
                // A second process: its own spool instance on the same directory.
                let other = try fixture.opened.openAgain()
                let configuration = fixture.configuration(broker: broker, concurrency: 4)
                let first = try fixture.sweeper(configuration)
                let second = try Sweeper(
                    configuration: configuration,
                    spool: other.spool,
                    clock: fixture.clock,
                    logger: fixture.logger
                )

                async let firstReport = first.sweep()
                _ = try await broker.waitForRequests(count: 1)
                let secondReport = await second.sweep()
                let firstDone = await firstReport

                #expect(secondReport.lockHeld)
                #expect(secondReport.delivered == 0)
                #expect(secondReport.renderText() == "", "a held lock is not worth a mail")
                #expect(!firstDone.lockHeld)
                #expect(firstDone.delivered == 5)
                let ids = broker.requests.compactMap(\.eventID)
                #expect(ids.count == 5)
                #expect(Set(ids) == Set(events.map(\.id)), "every event sent exactly once")

                await first.shutdown()
                await second.shutdown()
                await other.close()
            }
        }
    }

    @Test(.serialized, arguments: SpoolKind.all)
    func twoSweepersStartedTogetherSendEveryEventOnce(kind: SpoolKind) async throws {
        try await SweeperFixture.with(kind) { fixture in
            try await withTestBroker { broker in
                broker.setDefaultBehavior(.delay(.milliseconds(20), then: .status(204)))
                let events = (0..<20).map { testEvent("\($0)") }
                try await fixture.spoolEach(events)
                let other = try fixture.opened.openAgain()
                let configuration = fixture.configuration(broker: broker, concurrency: 4)
                let one = try fixture.sweeper(configuration)
                let two = try Sweeper(
                    configuration: configuration,
                    spool: other.spool,
                    clock: fixture.clock,
                    logger: fixture.logger
                )

                async let reportOne = one.sweep()
                async let reportTwo = two.sweep()
                let reports = await [reportOne, reportTwo]

                #expect(reports.map(\.delivered).reduce(0, +) == 20)
                #expect(reports.filter { $0.delivered > 0 }.count == 1, "exactly one sweeper delivers")
                let ids = broker.requests.compactMap(\.eventID)
                #expect(ids.count == 20)
                #expect(Set(ids).count == 20, "no event sent twice")
                #expect(try await fixture.events(.pending).isEmpty)

                await one.shutdown()
                await two.shutdown()
                await other.close()
            }
        }
    }

    @Test(.serialized, arguments: SpoolKind.all)
    func failingEventHoldsBackItsOrderingKeyButNotOthers(kind: SpoolKind) async throws {
        try await SweeperFixture.with(kind) { fixture in
            try await withTestBroker { broker in
                broker.enqueue(.status(503))  // k1, the first event sent
                let k1 = testEvent("k1", orderingKey: "customer-1")
                let other1 = testEvent("o1", orderingKey: "customer-2")
                let k2 = testEvent("k2", orderingKey: "customer-1")
                let free = testEvent("free")
                let k3 = testEvent("k3", orderingKey: "customer-1")
                let other2 = testEvent("o2", orderingKey: "customer-2")
                try await fixture.spoolEach([k1, other1, k2, free, k3, other2])
                let configuration = fixture.configuration(broker: broker, concurrency: 1)

                let (first, second) = try await fixture.withSweeper(configuration) { sweeper in
                    let first = await sweeper.sweep()
                    #expect(broker.requests.compactMap(\.eventID) == [k1.id, other1.id, free.id, other2.id])
                    fixture.clock.advance(by: .seconds(3600))
                    return (first, await sweeper.sweep())
                }

                #expect(first.delivered == 3)
                #expect(first.deferred == 3, "k1 failed; k2 and k3 held back")
                #expect(first.remaining == 3)
                #expect(second.delivered == 3)
                let ids = broker.requests.compactMap(\.eventID)
                #expect(Array(ids.suffix(3)) == [k1.id, k2.id, k3.id])
                #expect(try await fixture.events(.pending).isEmpty)
            }
        }
    }

    @Test(.serialized, arguments: SpoolKind.all)
    func orderingKeyStaysInOrderWithManyDeliveriesInFlight(kind: SpoolKind) async throws {
        try await SweeperFixture.with(kind) { fixture in
            try await withTestBroker { broker in
                // Events of key k are slow to answer and the fourth one fails: with 8 deliveries in flight,
                // later events of k would be sent meanwhile if the sweeper did not wait for each one.
                broker.setSchedule { [unowned broker] index in
                    guard let id = broker.requests[index].eventID, id.hasPrefix("evt-k-") else { return .status(204) }
                    return .delay(.milliseconds(50), then: .status(id == "evt-k-9" ? 503 : 204))
                }
                var events: [Event] = []
                for index in 0..<30 {
                    events.append(testEvent("free-\(index)"))
                    if index % 3 == 0 { events.append(testEvent("k-\(index)", orderingKey: "k")) }
                }
                try await fixture.spoolEach(events)

                let report = try await fixture.withSweeper(fixture.configuration(broker: broker, concurrency: 8)) {
                    await $0.sweep()
                }
                broker.setSchedule(nil)

                let sent = broker.requests.compactMap(\.eventID)
                #expect(sent.filter { $0.hasPrefix("evt-k-") } == ["evt-k-0", "evt-k-3", "evt-k-6", "evt-k-9"])
                #expect(sent.filter { $0.hasPrefix("evt-free-") }.count == 30)
                #expect(report.delivered == 33)
                #expect(report.deferred == 7, "k-9 failed; k-12 … k-27 held back")
            }
        }
    }

    @Test(.serialized, arguments: SpoolKind.all)
    func notDueEventHoldsBackLaterEventsOfItsKey(kind: SpoolKind) async throws {
        try await SweeperFixture.with(kind) { fixture in
            try await withTestBroker { broker in
                let waiting = testEvent("k1", orderingKey: "k")
                let later = testEvent("k2", orderingKey: "k")
                let other = testEvent("o1", orderingKey: "other")
                try await fixture.spoolTogether([waiting], attempts: 1, due: fixture.clock.now.addingTimeInterval(600))
                try await fixture.spoolEach([later, other])

                let report = try await fixture.withSweeper(fixture.configuration(broker: broker, concurrency: 4)) {
                    await $0.sweep()
                }

                #expect(broker.requests.compactMap(\.eventID) == [other.id])
                #expect(report.notDue == 1)
                #expect(report.deferred == 1)
                #expect(report.delivered == 1)
                #expect(try await fixture.events(.pending).map(\.event.id) == [waiting.id, later.id])
            }
        }
    }

    @Test func notDueObjectIsSkippedByItsHeaderAloneUnlessItHasOrderingKeys() async throws {
        try await SweeperFixture.with { fixture in
            try await withTestBroker { broker in
                // Objects not due yet; the last two have a damaged body but an intact header. Only reading the
                // body would find the damage: once the sweep has met an object that is not due, it must skip
                // the next one without ordering keys unread, and read the one with a key to learn it.
                let later = fixture.clock.now.addingTimeInterval(600)
                let first = try await fixture.spoolTogether([testEvent("first")], due: later)
                let plain = try await fixture.spoolTogether([testEvent("plain")], due: later)
                let keyed = try await fixture.spoolTogether([testEvent("keyed", orderingKey: "k")], due: later)
                for entry in try await fixture.entries(.pending) where entry.key != first {
                    let path = fixture.directory + "/" + entry.path
                    var bytes = try #require(FileManager.default.contents(atPath: path))
                    bytes[bytes.count - 1] ^= 0xFF
                    try bytes.write(to: URL(fileURLWithPath: path))
                }

                let report = try await fixture.withSweeper(fixture.configuration(broker: broker)) { await $0.sweep() }

                #expect(report.notDue == 2)
                #expect(report.quarantinedObjects.map(\.key) == [keyed.rawValue])
                #expect(try await fixture.entries(.pending).map(\.key) == [first, plain])
                #expect(broker.requests.isEmpty)
            }
        }
    }

    @Test(.serialized, arguments: SpoolKind.all)
    func completePassReleasesOrderingKeysWithNothingLeftPending(kind: SpoolKind) async throws {
        try await SweeperFixture.with(kind) { fixture in
            try await withTestBroker { broker in
                broker.setSchedule { [unowned broker] index in
                    broker.requests[index].eventID == "evt-stuck" ? .status(503) : .status(204)
                }
                try await fixture.spoolEach([
                    testEvent("done", orderingKey: "drained"), testEvent("stuck", orderingKey: "waiting"),
                ])
                fixture.clock.advance(by: .seconds(1))
                #expect(try await fixture.spool.hasWaitingEvents(orderingKey: "drained"))

                let report = try await fixture.withSweeper(fixture.configuration(broker: broker)) { await $0.sweep() }
                broker.setSchedule(nil)

                #expect(report.delivered == 1 && report.deferred == 1)
                #expect(try await fixture.spool.hasWaitingEvents(orderingKey: "drained") == false)
                #expect(try await fixture.spool.hasWaitingEvents(orderingKey: "waiting"))
            }
        }
    }

    @Test func corruptObjectIsQuarantinedAndTheRestDelivered() async throws {
        try await SweeperFixture.with { fixture in
            try await withTestBroker { broker in
                let keys = try await fixture.spoolEach(["a", "b", "c"].map { testEvent($0) })
                let entries = try await fixture.entries(.pending)
                let middle = try #require(entries.first { $0.key == keys[1] })
                let path = fixture.directory + "/" + middle.path
                var bytes = try #require(FileManager.default.contents(atPath: path))
                bytes[bytes.count / 2] ^= 0xFF
                try bytes.write(to: URL(fileURLWithPath: path))

                let report = try await fixture.withSweeper(fixture.configuration(broker: broker)) { await $0.sweep() }

                #expect(report.quarantined == 1)
                #expect(report.quarantinedObjects.map(\.key) == [keys[1].rawValue])
                #expect(report.quarantinedObjects.first?.reason.isEmpty == false)
                #expect(report.delivered == 2)
                #expect(broker.requests.compactMap(\.eventID) == ["evt-a", "evt-c"])
                #expect(try await fixture.entries(.pending).isEmpty)
                #expect(try await fixture.entries(.quarantine).map(\.key) == [keys[1]])
                #expect(report.needsAttention)
                #expect(report.renderText().contains(keys[1].rawValue))
            }
        }
    }

    @Test(.serialized, arguments: SpoolKind.all)
    func passedDeadlineStartsNothingAndCountsWhatRemains(kind: SpoolKind) async throws {
        try await SweeperFixture.with(kind) { fixture in
            try await withTestBroker { broker in
                try await fixture.spoolEach((0..<5).map { testEvent("\($0)") })

                let report = try await fixture.withSweeper(fixture.configuration(broker: broker)) {
                    await $0.sweep(deadline: .now - .seconds(1))
                }

                #expect(broker.requests.isEmpty)
                #expect(report.stoppedEarly == .deadline)
                #expect(report.remaining == 5)
                #expect(report.deferred == 5)
                #expect(try await fixture.events(.pending).count == 5)
            }
        }
    }

    @Test(.serialized, arguments: SpoolKind.all)
    func deadlineLetsTheDeliveryInFlightFinish(kind: SpoolKind) async throws {
        try await SweeperFixture.with(kind) { fixture in
            try await withTestBroker { broker in
                // The deadline passes when the broker has the first request, before it answers: that delivery
                // is in flight at the deadline, whatever the machine's load, and no other has started.
                let reached = Mutex(false)
                broker.setSchedule { _ in
                    reached.withLock { $0 = true }
                    return .status(200)
                }
                try await fixture.spoolEach((0..<5).map { testEvent("\($0)") })

                let report = try await fixture.withSweeper(fixture.configuration(broker: broker, concurrency: 1)) {
                    await $0.sweep(until: SweepDeadline { reached.withLock { $0 } })
                }

                #expect(report.stoppedEarly == .deadline)
                #expect(broker.requests.compactMap(\.eventID) == ["evt-0"], "nothing started after the deadline")
                #expect(report.delivered == 1, "the delivery in flight finished and was recorded: \(report)")
                #expect(report.remaining == 4 && report.deferred == 4)
                #expect(try await fixture.events(.pending).map(\.event.id) == ["evt-1", "evt-2", "evt-3", "evt-4"])
            }
        }
    }

    @Test func attemptsAndNextAttemptSurviveARestart() async throws {
        try await SweeperFixture.with { fixture in
            try await withTestBroker { broker in
                broker.enqueue(.status(503, headers: [("Retry-After", "600")], body: "later"))
                let event = testEvent("a")
                try await fixture.spoolEach([event])
                let configuration = fixture.configuration(broker: broker)

                let first = try await fixture.withSweeper(configuration) { await $0.sweep() }
                #expect(first.deferred == 1)

                // A new process: a fresh spool instance and sweeper on the same directory.
                let reopened = try fixture.openSpoolAgain()
                let sweeper = try Sweeper(
                    configuration: configuration,
                    spool: reopened,
                    clock: fixture.clock,
                    logger: fixture.logger
                )
                let storedKey = try #require(try await fixture.entries(.pending).first).key
                let stored = try await reopened.get(storedKey, in: .pending)
                #expect(stored.events.first?.delivery.attempts == 1)
                #expect(stored.events.first?.delivery.lastError?.status == 503)

                let tooEarly = await sweeper.sweep()
                #expect(tooEarly.notDue == 1)
                #expect(broker.requests.count == 1, "not attempted before Retry-After")

                fixture.clock.advance(by: .seconds(601))
                let due = await sweeper.sweep()
                #expect(due.delivered == 1)
                #expect(broker.requests.compactMap(\.eventID) == [event.id, event.id])

                await sweeper.shutdown()
                await reopened.shutdown()
            }
        }
    }

    @Test(.serialized, arguments: SpoolKind.all)
    func partlyDeliveredObjectIsRewrittenWithTheRemainingEvents(kind: SpoolKind) async throws {
        try await SweeperFixture.with(kind) { fixture in
            try await withTestBroker { broker in
                broker.enqueue(.status(200), .status(503), .status(200))
                let events = ["a", "b", "c"].map { testEvent($0) }
                let key = try await fixture.spoolTogether(events)

                let report = try await fixture.withSweeper(fixture.configuration(broker: broker)) { await $0.sweep() }

                #expect(report.delivered == 2)
                #expect(report.deferred == 1)
                let objects = try await fixture.objects(.pending)
                #expect(objects.map(\.key) == [key])
                #expect(objects.first?.events.map(\.event) == [events[1]])
                #expect(objects.first?.events.first?.delivery.attempts == 1)
            }
        }
    }

    @Test func givenUpEventStaysPendingWhenItCannotBeWrittenToDead() async throws {
        try await SweeperFixture.with { fixture in
            try await withTestBroker { broker in
                broker.setDefaultBehavior(.status(400))
                let event = testEvent("a")
                let key = try await fixture.spoolTogether([event])
                // A file where the dead object's year folder belongs: the dead-letter write cannot succeed.
                let blocker = fixture.directory + "/dead/" + key.rawValue.prefix(4)
                #expect(FileManager.default.createFile(atPath: blocker, contents: Data("x".utf8)))

                let failed = try await fixture.withSweeper(fixture.configuration(broker: broker)) { await $0.sweep() }

                #expect(failed.deadLettered == 0)
                #expect(failed.deferred == 1 && failed.remaining == 1)
                #expect(failed.givenUp.isEmpty)
                #expect(failed.failure?.contains(key.rawValue) == true)
                #expect(failed.needsAttention)
                let pending = try await fixture.events(.pending)
                #expect(pending.map(\.event) == [event], "it leaves pending/ only once it is in dead/")
                #expect(pending.first?.delivery.attempts == 1)
                #expect(pending.first?.delivery.deadReason == nil)

                try FileManager.default.removeItem(atPath: blocker)
                let retried = try await fixture.withSweeper(fixture.configuration(broker: broker)) { await $0.sweep() }
                #expect(retried.deadLettered == 1)
                #expect(try await fixture.events(.dead).map(\.event) == [event])
                #expect(try await fixture.events(.pending).isEmpty)
            }
        }
    }

}
