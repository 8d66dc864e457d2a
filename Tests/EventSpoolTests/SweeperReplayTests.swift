import EventSpool
import EventSpoolTesting
import Foundation
import Synchronization
import Testing

/// `spoolctl replay`'s engine: deliver now, ignoring backoff; failures go back where they were.
@Suite struct SweeperReplayTests {
    /// Puts `events` into `dead/` the way a sweep does: a 400 from the broker.
    private func deadLetter(_ events: [Event], fixture: SweeperFixture, broker: TestBroker) async throws {
        broker.setDefaultBehavior(.status(400))
        try await fixture.spoolEach(events)
        let report = try await fixture.withSweeper(fixture.configuration(broker: broker)) { await $0.sweep() }
        #expect(report.deadLettered == events.count)
        broker.setDefaultBehavior(.status(204))
    }

    @Test(.serialized, arguments: SpoolKind.all)
    func deliveredDeadEventsLeaveDead(kind: SpoolKind) async throws {
        try await SweeperFixture.with(kind) { fixture in
            try await withTestBroker { broker in
                let events = ["a", "b"].map { testEvent($0) }
                try await deadLetter(events, fixture: fixture, broker: broker)
                let seen = Mutex<[ReplayProgress]>([])

                let report = try await fixture.withSweeper(fixture.configuration(broker: broker)) { sweeper in
                    await sweeper.replay(.dead()) { progress in seen.withLock { $0.append(progress) } }
                }

                #expect(report.kind == .replay)
                #expect(report.selected == 2)
                #expect(report.delivered == 2)
                #expect(try await fixture.events(.dead).isEmpty)
                #expect(try await fixture.events(.pending).isEmpty)
                let progress = seen.withLock { $0 }
                #expect(progress.first == ReplayProgress(done: 0, total: 2, delivered: 0))
                #expect(progress.last == ReplayProgress(done: 2, total: 2, delivered: 2))
            }
        }
    }

    @Test(.serialized, arguments: SpoolKind.all)
    func deadEventThatFailsAgainStaysDeadWithTheAttemptRecorded(kind: SpoolKind) async throws {
        try await SweeperFixture.with(kind) { fixture in
            try await withTestBroker { broker in
                let event = testEvent("a")
                try await deadLetter([event], fixture: fixture, broker: broker)
                broker.setDefaultBehavior(.status(503, body: "still busy"))

                let report = try await fixture.withSweeper(fixture.configuration(broker: broker)) {
                    await $0.replay(.dead())
                }

                #expect(report.delivered == 0)
                #expect(report.remaining == 1)
                #expect(report.deadLettered == 0)
                let dead = try await fixture.events(.dead)
                #expect(dead.map(\.event) == [event])
                #expect(dead.first?.delivery.attempts == 2)
                #expect(dead.first?.delivery.lastError?.status == 503)
                #expect(try await fixture.events(.pending).isEmpty)
            }
        }
    }

    @Test(.serialized, arguments: SpoolKind.all)
    func pendingReplayIgnoresBackoffAndFailuresStayPending(kind: SpoolKind) async throws {
        try await SweeperFixture.with(kind) { fixture in
            try await withTestBroker { broker in
                let later = fixture.clock.now.addingTimeInterval(3600)
                try await fixture.spoolTogether(
                    [testEvent("a"), testEvent("b", type: "com.example.other")],
                    due: later
                )
                broker.enqueue(.status(503))

                let report = try await fixture.withSweeper(fixture.configuration(broker: broker)) {
                    await $0.replay(.allPending())
                }

                #expect(report.selected == 2)
                #expect(report.delivered == 1)
                #expect(report.deadLettered == 0, "a retryable failure is never dead-lettered by a replay")
                let pending = try await fixture.events(.pending)
                #expect(pending.map(\.event.id) == ["evt-a"])
                #expect(pending.first?.delivery.attempts == 1)
            }
        }
    }

    @Test(.serialized, arguments: SpoolKind.all)
    func replayByIDFindsEventsAnywhereAndNamesTheMissing(kind: SpoolKind) async throws {
        try await SweeperFixture.with(kind) { fixture in
            try await withTestBroker { broker in
                let dead = testEvent("dead")
                try await deadLetter([dead], fixture: fixture, broker: broker)
                let later = fixture.clock.now.addingTimeInterval(3600)
                try await fixture.spoolTogether([testEvent("p1"), testEvent("p2")], due: later)

                let report = try await fixture.withSweeper(fixture.configuration(broker: broker)) {
                    await $0.replay(.events(["evt-dead", "evt-p2", "evt-nowhere"]))
                }

                #expect(report.selected == 2)
                #expect(report.delivered == 2)
                #expect(report.missing == ["evt-nowhere"])
                #expect(Set(broker.requests.suffix(2).compactMap(\.eventID)) == ["evt-dead", "evt-p2"])
                #expect(try await fixture.events(.pending).map(\.event.id) == ["evt-p1"])
                #expect(try await fixture.events(.dead).isEmpty)
            }
        }
    }

    @Test(.serialized, arguments: SpoolKind.all)
    func replayByNameTakesEventIDsAndObjectKeysTogether(kind: SpoolKind) async throws {
        try await SweeperFixture.with(kind) { fixture in
            try await withTestBroker { broker in
                let later = fixture.clock.now.addingTimeInterval(3600)
                let object = try await fixture.spoolTogether([testEvent("a"), testEvent("b")], due: later)
                try await fixture.spoolTogether([testEvent("c")], due: later)
                try await fixture.spoolTogether([testEvent("d")], due: later)
                let absentKey = "20200101T000000.000000Z-00000001-00000002-00000003"

                let report = try await fixture.withSweeper(fixture.configuration(broker: broker)) {
                    await $0.replay(.named([object.rawValue, "evt-d", absentKey, "evt-nowhere"]))
                }

                #expect(report.selected == 3)
                #expect(report.delivered == 3)
                #expect(report.missing == ["evt-nowhere", absentKey])
                #expect(broker.requests.compactMap(\.eventID) == ["evt-a", "evt-b", "evt-d"])
                #expect(try await fixture.events(.pending).map(\.event.id) == ["evt-c"])
            }
        }
    }

    @Test(.serialized, arguments: SpoolKind.all)
    func replayByObjectKeyAndTypeFilter(kind: SpoolKind) async throws {
        try await SweeperFixture.with(kind) { fixture in
            try await withTestBroker { broker in
                let later = fixture.clock.now.addingTimeInterval(3600)
                let first = try await fixture.spoolTogether([testEvent("a"), testEvent("b")], due: later)
                try await fixture.spoolTogether([testEvent("c", type: "com.example.other")], due: later)
                try await fixture.spoolTogether([testEvent("d")], due: later)

                let byKey = try await fixture.withSweeper(fixture.configuration(broker: broker)) {
                    await $0.replay(.objects([first]))
                }
                #expect(byKey.delivered == 2)
                #expect(broker.requests.compactMap(\.eventID) == ["evt-a", "evt-b"])

                let byType = try await fixture.withSweeper(fixture.configuration(broker: broker)) {
                    await $0.replay(.allPending(type: "com.example.other"))
                }
                #expect(byType.selected == 1 && byType.delivered == 1)
                #expect(try await fixture.events(.pending).map(\.event.id) == ["evt-d"])
            }
        }
    }

    @Test(.serialized, arguments: SpoolKind.all)
    func dryRunSendsAndChangesNothing(kind: SpoolKind) async throws {
        try await SweeperFixture.with(kind) { fixture in
            try await withTestBroker { broker in
                let event = testEvent("a")
                try await deadLetter([event], fixture: fixture, broker: broker)
                let requestsBefore = broker.requests.count
                let before = try await fixture.objects(.dead)

                let report = try await fixture.withSweeper(fixture.configuration(broker: broker)) {
                    await $0.replay(.dead(), dryRun: true)
                }

                #expect(report.dryRun)
                #expect(report.selected == 1)
                #expect(report.delivered == 0)
                #expect(broker.requests.count == requestsBefore)
                #expect(try await fixture.objects(.dead) == before)
            }
        }
    }

    @Test(.serialized, arguments: SpoolKind.all)
    func aPermanentFailureGivesAPendingEventUpAndLeavesADeadOneDead(kind: SpoolKind) async throws {
        try await SweeperFixture.with(kind) { fixture in
            try await withTestBroker { broker in
                try await deadLetter([testEvent("dead")], fixture: fixture, broker: broker)
                try await fixture.spoolEach([testEvent("pending")])
                broker.setDefaultBehavior(.status(400, body: "bad schema"))

                let report = try await fixture.withSweeper(fixture.configuration(broker: broker)) {
                    await $0.replay(.named(["evt-dead", "evt-pending"]))
                }

                // The pending one is given up now, as the next sweep would; it is not "deferred".
                #expect(report.deadLettered == 1 && report.givenUp.map(\.id) == ["evt-pending"])
                #expect(report.givenUp.first?.reason == "permanent failure")
                #expect(report.failedAgain == 1 && report.deferred == 0)
                #expect(report.notDelivered.map(\.id) == ["evt-dead"])
                #expect(report.notDelivered.first?.fate == .failedAgain)
                #expect(report.notDelivered.first?.reason.hasSuffix(": bad schema") == true)
                #expect(try await fixture.events(.dead).map(\.event.id).sorted() == ["evt-dead", "evt-pending"])
                #expect(try await fixture.events(.pending).isEmpty)
            }
        }
    }
}
