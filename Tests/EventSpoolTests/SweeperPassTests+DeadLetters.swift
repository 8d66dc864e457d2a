import EventSpoolTesting
import Foundation
import Synchronization
import Testing

@testable import EventSpool

/// Objects whose events meet different fates.
extension SweeperPassTests {
    @Test(.serialized, arguments: SpoolKind.all)
    func partlyGivenUpObjectMovesOnlyTheGivenUpEventsToDead(kind: SpoolKind) async throws {
        try await SweeperFixture.with(kind) { fixture in
            try await withTestBroker { broker in
                broker.enqueue(.status(400, body: "bad schema"), .status(503), .status(200))
                let events = ["a", "b", "c"].map { testEvent($0) }
                let key = try await fixture.spoolTogether(events)

                let report = try await fixture.withSweeper(fixture.configuration(broker: broker)) { await $0.sweep() }

                #expect(report.deadLettered == 1 && report.deferred == 1 && report.delivered == 1)
                let dead = try await fixture.objects(.dead)
                #expect(dead.map(\.key) == [key])
                #expect(dead.first?.events.map(\.event) == [events[0]])
                let record = dead.first?.events.first?.delivery  // the answer is the last error, not in the reason
                #expect(
                    record?.deadReason == "permanent failure"
                        && record?.lastError?.message.hasSuffix("bad schema") == true
                )
                let pending = try await fixture.objects(.pending)
                #expect(pending.first?.events.map(\.event) == [events[1]])

                // The next give-up of this object joins the same dead object.
                broker.enqueue(.status(422))
                fixture.clock.advance(by: .seconds(3600))
                _ = try await fixture.withSweeper(fixture.configuration(broker: broker)) { await $0.sweep() }
                #expect(try await fixture.objects(.dead).first?.events.map(\.event) == [events[0], events[1]])
                #expect(try await fixture.objects(.pending).isEmpty)
            }
        }
    }
}
