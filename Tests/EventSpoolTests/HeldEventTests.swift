import EventSpoolTesting
import Foundation
import Logging
import TestSupport
import Testing

@testable import EventSpool

/// Held events (`SpoolState.held`, `SpoolSurgery`): out of sweeps and replays until released, and still
/// holding their ordering keys, in the pass and in the publishers' marks.
@Suite struct HeldEventTests {
    @Test(.serialized, arguments: SpoolKind.all)
    func aSweepLeavesHeldEventsAndHoldsBackTheLaterEventsOfTheirKeys(kind: SpoolKind) async throws {
        try await SweeperFixture.with(kind) { fixture in
            try await withTestBroker { broker in
                let earlier = try await fixture.spoolEach([testEvent("k0", orderingKey: "k")])
                let held = try await fixture.spoolEach([testEvent("k1", orderingKey: "k")])
                try await fixture.spoolEach([testEvent("k2", orderingKey: "k"), testEvent("free")])
                let surgery = SpoolSurgery(spool: fixture.spool)
                let object = try await fixture.spool.get(held[0], in: .pending)
                #expect(try await surgery.hold(from: object) { _ in true }.map(\.event.id) == ["evt-k1"])

                let report = try await fixture.withSweeper(fixture.configuration(broker: broker)) { await $0.sweep() }
                // The earlier event of the key may go; the later one waits behind the held one.
                #expect(broker.requests.map(\.eventID) == ["evt-k0", "evt-free"])
                #expect(report.delivered == 2 && report.deferred == 1)
                #expect(try await fixture.events(.pending).map(\.event.id) == ["evt-k2"])
                #expect(try await fixture.entries(.held).map(\.key) == held)
                #expect(earlier[0] < held[0])

                let heldObject = try await fixture.spool.get(held[0], in: .held)
                #expect(try await surgery.release(from: heldObject) { _ in true }.count == 1)
                _ = try await fixture.withSweeper(fixture.configuration(broker: broker)) { await $0.sweep() }
                #expect(broker.requests.map(\.eventID) == ["evt-k0", "evt-free", "evt-k1", "evt-k2"])
                #expect(try await fixture.entries(.held).isEmpty)
            }
        }
    }

    @Test(.serialized, arguments: SpoolKind.all)
    func aHeldEventKeepsTheMarkOfItsOrderingKey(kind: SpoolKind) async throws {
        try await SweeperFixture.with(kind) { fixture in
            try await withTestBroker { broker in
                let keys = try await fixture.spoolEach([
                    testEvent("only", orderingKey: "k"), testEvent("other", orderingKey: "o"),
                ])
                let object = try await fixture.spool.get(keys[0], in: .pending)
                _ = try await SpoolSurgery(spool: fixture.spool).hold(from: object) { _ in true }
                fixture.clock.advance(by: .seconds(60))

                let report = try await fixture.withSweeper(fixture.configuration(broker: broker)) { await $0.sweep() }
                #expect(report.delivered == 1 && report.failure == nil)
                // The delivered key's mark goes; the held one's stays, so publishers keep spooling that key.
                #expect(try await !fixture.spool.hasWaitingEvents(orderingKey: "o"))
                #expect(try await fixture.spool.hasWaitingEvents(orderingKey: "k"))
            }
        }
    }

    @Test(.serialized, arguments: SpoolKind.all)
    func aReplaySendsNoEventPastAHeldOneOfItsKey(kind: SpoolKind) async throws {
        try await SweeperFixture.with(kind) { fixture in
            try await withTestBroker { broker in
                let keys = try await fixture.spoolEach([
                    testEvent("h", orderingKey: "k"), testEvent("later", orderingKey: "k"),
                ])
                let object = try await fixture.spool.get(keys[0], in: .pending)
                _ = try await SpoolSurgery(spool: fixture.spool).hold(from: object) { _ in true }
                let report = try await fixture.withSweeper(fixture.configuration(broker: broker)) {
                    await $0.replay(.allPending())
                }
                #expect(broker.requestCount == 0)
                #expect(report.notDelivered.map(\.id) == ["evt-later"])
                #expect(report.notDelivered.first?.fate == .heldBack)
            }
        }
    }

    @Test(.serialized, arguments: SpoolKind.all)
    func holdAndReleaseOfPartOfAnObjectKeepEachKeyInPublishOrder(kind: SpoolKind) async throws {
        try await SweeperFixture.with(kind) { fixture in
            let events = [
                testEvent("a1", orderingKey: "a"), testEvent("b1", orderingKey: "b"), testEvent("a2", orderingKey: "a"),
                testEvent("x"), testEvent("a3", orderingKey: "a"),
            ]
            let key = try await fixture.spoolTogether(events)
            let surgery = SpoolSurgery(spool: fixture.spool)
            // Holding a2 holds a3 (later, same key) with it.
            let held = try await surgery.hold(from: fixture.spool.get(key, in: .pending)) { $0.event.id == "evt-a2" }
            #expect(held.map(\.event.id) == ["evt-a2", "evt-a3"])
            // Holding a1 now: it goes before a2 and a3 in held/.
            _ = try await surgery.hold(from: fixture.spool.get(key, in: .pending)) { $0.event.id == "evt-a1" }
            #expect(try await fixture.events(.held).map(\.event.id) == ["evt-a1", "evt-a2", "evt-a3"])
            #expect(try await fixture.events(.pending).map(\.event.id) == ["evt-b1", "evt-x"])
            // Releasing a2 releases a1 (earlier, same key) with it, behind what is pending.
            let released = try await surgery.release(from: fixture.spool.get(key, in: .held)) {
                $0.event.id == "evt-a2"
            }
            #expect(released.map(\.event.id) == ["evt-a1", "evt-a2"])
            #expect(try await fixture.events(.pending).map(\.event.id) == ["evt-b1", "evt-x", "evt-a1", "evt-a2"])
            #expect(try await fixture.events(.held).map(\.event.id) == ["evt-a3"])
        }
    }

    @Test func aSpoolOpenedForReadingCreatesAndChangesNothing() async throws {
        let logger = quietLogger
        let temporary = try TemporaryDirectory(prefix: "read-only")
        defer { temporary.remove() }
        let directory = temporary.url.appendingPathComponent("spool")
        let configuration = SpoolConfiguration(directory: directory.path)
        #expect(throws: SpoolError.self) {
            try DirectorySpool.openForReading(configuration: configuration, logger: logger)
        }
        #expect(!FileManager.default.fileExists(atPath: directory.path))

        let writer = try DirectorySpool(configuration: configuration, logger: logger)
        let key = try await writer.put([
            SpooledEvent(event: testEvent("r"), delivery: DeliveryRecord(spooledAt: Date()))
        ])
        await writer.shutdown()
        let reader = try DirectorySpool.openForReading(configuration: configuration, logger: logger)
        #expect(try await reader.get(key, in: .pending).events.count == 1)
        await #expect(throws: SpoolError.self) { try await reader.delete(key, in: .pending) }
        await #expect(throws: SpoolError.self) { try await reader.move(key, from: .pending, to: .held) }
        #expect(throws: SpoolError.self) { try reader.tryLock() }
        await reader.shutdown()
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("sweeper.lock").path))
        #expect(FileManager.default.fileExists(atPath: writer.path(of: key, in: .pending)))
    }

    @Test func inspectingADamagedObjectKeepsTheEventsBeforeTheDamage() async throws {
        try await SweeperFixture.with { fixture in
            let key = try await fixture.spoolTogether([testEvent("one"), testEvent("two")])
            let path = try fixture.directorySpool.path(of: key, in: .pending)
            var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
            bytes[30] ^= 0xFF  // the header checksum: the header goes, the records stay readable
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            let dump = try await fixture.directorySpool.inspect(key, in: .pending)
            #expect(dump.bytes == bytes && dump.header == nil)
            #expect(dump.events.map(\.event.id) == ["evt-one", "evt-two"])
            #expect(dump.problems.first?.contains("header") == true)
        }
    }

    @Test func aReportThatDidNotSeeTheWholeSpoolSaysRemainingIsUnknown() throws {
        var report = SweepReport(kind: .sweep, spoolDirectory: "/var/spool/eventspool", startedAt: SweeperFixture.start)
        report.failure = "listing pending/ failed: permission denied"
        report.remainingIsKnown = false
        #expect(report.renderText().contains("remaining unknown"))
        #expect(!report.renderText().contains("remaining 0"))
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(report.renderJSON().utf8)) as? [String: Any]
        )
        #expect(object["remaining"] is NSNull)
        #expect(try SweepReport.decodeJSON(report.renderJSON()).remainingIsKnown == false)
    }
}
