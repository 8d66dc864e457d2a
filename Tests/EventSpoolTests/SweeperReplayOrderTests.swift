import EventSpool
import EventSpoolTesting
import Foundation
import Testing

/// A replay keeps ordering keys in order: an event replayed by name, key, type or from `dead/` goes after the
/// earlier events of its ordering key still in `pending/`, which the replay sends first (its key's prefix).
@Suite struct SweeperReplayOrderTests {
    /// An hour from the fixture's now: not due, so only a replay sends it.
    private func later(_ fixture: SweeperFixture) -> Date { fixture.clock.now.addingTimeInterval(3600) }

    @Test(.serialized, arguments: SpoolKind.all)
    func replayingAnEventSendsTheEarlierPendingEventsOfItsKeyFirst(kind: SpoolKind) async throws {
        try await SweeperFixture.with(kind) { fixture in
            try await withTestBroker { broker in
                try await fixture.spoolTogether([testEvent("1", orderingKey: "k")], due: later(fixture))
                try await fixture.spoolTogether([testEvent("other", orderingKey: "j")], due: later(fixture))
                try await fixture.spoolTogether([testEvent("plain")], due: later(fixture))
                try await fixture.spoolTogether([testEvent("2", orderingKey: "k")], due: later(fixture))
                try await fixture.spoolTogether([testEvent("3", orderingKey: "k")], due: later(fixture))

                let report = try await fixture.withSweeper(fixture.configuration(broker: broker, concurrency: 4)) {
                    await $0.replay(.events(["evt-2"]))
                }

                // The receiver must never see evt-2 before evt-1; evt-3 (later) and other keys stay.
                #expect(broker.requests.compactMap(\.eventID) == ["evt-1", "evt-2"])
                #expect(report.selected == 1 && report.delivered == 2 && report.remaining == 0, "\(report)")
                #expect(report.orderingPrefix == 1)
                #expect(report.renderText(always: true).contains("selected 1 (+1 earlier of the same ordering key)"))
                let left = try await fixture.events(.pending).map(\.event.id)
                #expect(left == ["evt-other", "evt-plain", "evt-3"])
            }
        }
    }

    @Test(.serialized, arguments: SpoolKind.all)
    func aReplayedEventWaitsBehindAnEarlierEventOfItsKeyThatFailsAgain(kind: SpoolKind) async throws {
        try await SweeperFixture.with(kind) { fixture in
            try await withTestBroker { broker in
                broker.setSchedule { [unowned broker] index in
                    broker.requests[index].eventID == "evt-1" ? .status(503) : .status(204)
                }
                try await fixture.spoolTogether([testEvent("1", orderingKey: "k")], due: later(fixture))
                try await fixture.spoolTogether([testEvent("2", orderingKey: "k")], due: later(fixture))

                let report = try await fixture.withSweeper(fixture.configuration(broker: broker)) {
                    await $0.replay(.events(["evt-2"]))
                }

                #expect(broker.requests.compactMap(\.eventID) == ["evt-1"])
                #expect(report.delivered == 0 && report.deferred == 2 && report.remaining == 2, "\(report)")
                #expect(try await fixture.events(.pending).map(\.event.id) == ["evt-1", "evt-2"])
            }
        }
    }

    @Test(.serialized, arguments: SpoolKind.all)
    func replayingADeadEventLeavesTheNewerPendingEventsOfItsKeyToTheSweeper(kind: SpoolKind) async throws {
        try await SweeperFixture.with(kind) { fixture in
            try await withTestBroker { broker in
                broker.setDefaultBehavior(.status(400))
                try await fixture.spoolEach([testEvent("1", orderingKey: "k")])
                let given = try await fixture.withSweeper(fixture.configuration(broker: broker)) { await $0.sweep() }
                #expect(given.deadLettered == 1)
                broker.setDefaultBehavior(.status(204))
                try await fixture.spoolTogether([testEvent("2", orderingKey: "k")], due: later(fixture))

                let report = try await fixture.withSweeper(fixture.configuration(broker: broker)) {
                    await $0.replay(.events(["evt-1"]))
                }

                // The dead event is older than the pending one: it goes now, the pending one waits its turn.
                #expect(broker.requests.compactMap(\.eventID).suffix(1) == ["evt-1"])
                #expect(report.delivered == 1 && report.orderingPrefix == 0, "\(report)")
                #expect(try await fixture.events(.pending).map(\.event.id) == ["evt-2"])
                #expect(try await fixture.events(.dead).isEmpty)
            }
        }
    }

    @Test(.serialized, arguments: SpoolKind.all)
    func aDeadEventGoesAfterTheEarlierPendingEventsOfItsKeyAndDeadOnesInKeyOrder(kind: SpoolKind) async throws {
        try await SweeperFixture.with(kind) { fixture in
            try await withTestBroker { broker in
                let first = try await fixture.spoolTogether([testEvent("1", orderingKey: "k")], due: later(fixture))
                try await fixture.spoolTogether([testEvent("2", orderingKey: "k")], due: later(fixture))
                let third = try await fixture.spoolTogether([testEvent("3", orderingKey: "k")], due: later(fixture))
                try await fixture.spool.move(first, from: .pending, to: .dead)
                try await fixture.spool.move(third, from: .pending, to: .dead)

                let report = try await fixture.withSweeper(fixture.configuration(broker: broker, concurrency: 4)) {
                    await $0.replay(.dead())
                }

                #expect(broker.requests.compactMap(\.eventID) == ["evt-1", "evt-2", "evt-3"])
                #expect(report.selected == 2 && report.orderingPrefix == 1 && report.delivered == 3, "\(report)")
                #expect(try await fixture.events(.pending).isEmpty)
                #expect(try await fixture.events(.dead).isEmpty)
            }
        }
    }

    @Test(.serialized, arguments: SpoolKind.all)
    func byTypeAndByObjectKeyTheKeysPrefixGoesFirstWhateverItsType(kind: SpoolKind) async throws {
        try await SweeperFixture.with(kind) { fixture in
            try await withTestBroker { broker in
                let other = "com.example.other"
                try await fixture.spoolTogether([testEvent("1", orderingKey: "k")], due: later(fixture))
                try await fixture.spoolTogether([testEvent("2", type: other, orderingKey: "k")], due: later(fixture))
                try await fixture.spoolTogether([testEvent("3", orderingKey: "m")], due: later(fixture))
                let fourth = try await fixture.spoolTogether(
                    [testEvent("4", orderingKey: "m"), testEvent("5")],
                    due: later(fixture)
                )
                let configuration = fixture.configuration(broker: broker, concurrency: 4)

                let dryRun = try await fixture.withSweeper(configuration) {
                    await $0.replay(.allPending(type: other), dryRun: true)
                }
                #expect(dryRun.selected == 1 && dryRun.orderingPrefix == 1 && broker.requests.isEmpty, "\(dryRun)")

                let byType = try await fixture.withSweeper(configuration) { await $0.replay(.allPending(type: other)) }
                #expect(broker.requests.compactMap(\.eventID) == ["evt-1", "evt-2"])
                #expect(byType.selected == 1 && byType.orderingPrefix == 1, "\(byType)")

                let byKey = try await fixture.withSweeper(configuration) { await $0.replay(.objects([fourth])) }
                // evt-5 has no ordering key: it may go at any time; evt-4 only after evt-3.
                #expect(broker.requests.compactMap(\.eventID).suffix(3).filter { $0 != "evt-5" } == ["evt-3", "evt-4"])
                #expect(byKey.selected == 2 && byKey.orderingPrefix == 1 && byKey.delivered == 3, "\(byKey)")
                #expect(try await fixture.events(.pending).isEmpty)
            }
        }
    }
}
