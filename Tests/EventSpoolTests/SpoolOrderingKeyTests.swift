import EventSpoolTesting
import Foundation
import Synchronization
import SystemPackage
import TestSupport
import Testing

@testable import EventSpool
@testable import EventSpoolStorage

/// Ordering-key marks: a put marks its events' keys durably before writing them; a sweeper's release
/// removes only marks of keys it saw no event for that no put set since its pass began (races:
/// `SpoolOrderingRaceTests`).
@Suite struct SpoolOrderingKeyTests {
    static func event(_ index: Int, orderingKey: String?) -> SpooledEvent {
        var event = spoolTestEvent(index)
        event.event.orderingKey = orderingKey
        return event
    }

    @Test func aPutMarksItsOrderingKeysDurablyBeforeWritingTheEvents() async throws {
        try await withSpoolTest { context in
            let recorder = SpoolSyscallRecorder(root: context.spoolPath)
            let spool = try context.open(clock: ManualWallClock(spoolTestTime), syscalls: recorder.syscalls)
            recorder.clearCalls()
            let key = try await spool.put([Self.event(1, orderingKey: "customer-7"), Self.event(2, orderingKey: nil)])

            let mark = "ordering/" + SpoolFolders.markName("customer-7")
            let steps = SpoolDurabilityTests.durabilitySteps(recorder.calls)
            let created = try #require(recorder.calls.firstIndex(of: "open \(mark)"))
            let flushed = try #require(recorder.calls.firstIndex(of: "fsync ordering"))
            let written = try #require(recorder.calls.firstIndex(of: "open tmp/\(key.rawValue).tmp"))
            #expect(created < flushed && flushed < written, "\(steps)")

            #expect(try await spool.hasWaitingEvents(orderingKey: "customer-7"))
            #expect(try await !spool.hasWaitingEvents(orderingKey: "customer-8"))
            #expect(try String(contentsOfFile: context.spoolPath + "/" + mark, encoding: .utf8) == "customer-7")
            let attributes = try FileManager.default.attributesOfItem(atPath: context.spoolPath + "/" + mark)
            #expect((attributes[.posixPermissions] as? Int) == 0o600)
            #expect(
                (attributes[.modificationDate] as? Date).map { abs($0.timeIntervalSince(spoolTestTime)) < 0.001 }
                    == true
            )

            // Another process sharing the spool sees the mark too.
            let other = try context.open()
            #expect(try await other.hasWaitingEvents(orderingKey: "customer-7"))
            await other.shutdown()
            await spool.shutdown()
        }
    }

    @Test func releaseRemovesOnlyMarksOfKeysWithoutEventsThatNoPutSetSinceTheSweepBegan() async throws {
        try await withSpoolTest { context in
            let spool = try context.open()
            for (index, orderingKey) in ["delivered", "still-pending"].enumerated() {
                _ = try await spool.put([Self.event(index, orderingKey: orderingKey)])
            }
            // A sweep begins; a put of "recent" comes while it runs, after its listing found only
            // "still-pending" in pending/.
            try await spool.beginOrderingKeyRelease()
            _ = try await spool.put([Self.event(2, orderingKey: "recent")])
            try await spool.releaseOrderingKeys(keeping: ["still-pending"])
            #expect(try await !spool.hasWaitingEvents(orderingKey: "delivered"))
            #expect(try await spool.hasWaitingEvents(orderingKey: "still-pending"))
            #expect(try await spool.hasWaitingEvents(orderingKey: "recent"))
            #expect(context.names(in: "tmp").isEmpty)

            // A key with events whose mark was lost (a crash) is marked again.
            try FileManager.default.removeItem(
                atPath: context.spoolPath + "/ordering/" + SpoolFolders.markName("still-pending")
            )
            try await spool.beginOrderingKeyRelease()
            try await spool.releaseOrderingKeys(keeping: ["still-pending", "recent"])
            #expect(try await spool.hasWaitingEvents(orderingKey: "still-pending"))

            // Without a beginning since the last release, nothing is cleared, so nothing goes.
            try await spool.releaseOrderingKeys(keeping: [])
            #expect(try await spool.hasWaitingEvents(orderingKey: "recent"))
            await spool.shutdown()
        }
    }

    @Test func replayingAnObjectIntoPendingMarksItsKeysAgain() async throws {
        try await withSpoolTest { context in
            let spool = try context.open()
            let key = try await spool.put([Self.event(1, orderingKey: "customer-7")])
            try await spool.move(key, from: .pending, to: .dead)
            try await spool.beginOrderingKeyRelease()
            try await spool.releaseOrderingKeys(keeping: [])
            #expect(try await !spool.hasWaitingEvents(orderingKey: "customer-7"))

            try await spool.move(key, from: .dead, to: .pending)
            #expect(try await spool.hasWaitingEvents(orderingKey: "customer-7"))

            try await spool.beginOrderingKeyRelease()
            try await spool.releaseOrderingKeys(keeping: [])
            #expect(try await !spool.hasWaitingEvents(orderingKey: "customer-7"))
            try await spool.replace(
                SpoolObject(key: key, state: .pending, events: [Self.event(1, orderingKey: "customer-7")])
            )
            #expect(try await spool.hasWaitingEvents(orderingKey: "customer-7"))
            #expect(try await spool.header(key, in: .pending).orderingKeys == nil)  // the flag says: read the object
            await spool.shutdown()
        }
    }
}
