import Foundation
import Synchronization
import SystemPackage
import Testing

@testable import EventSpool

/// Ordering-key marks: a put marks its events' keys durably before writing them; a sweeper's release
/// removes only marks of keys it saw no event for, set before its pass, and never undoes a concurrent put.
@Suite struct SpoolOrderingKeyTests {
    static func event(_ index: Int, orderingKey: String?) -> SpooledEvent {
        var event = spoolTestEvent(index)
        event.event.orderingKey = orderingKey
        return event
    }

    @Test func aPutMarksItsOrderingKeysDurablyBeforeWritingTheEvents() async throws {
        try await withSpoolTest { context in
            let recorder = SpoolSyscallRecorder(root: context.spoolPath)
            let spool = try context.open(clock: SpoolTestClock(spoolTestTime), syscalls: recorder.syscalls)
            recorder.clearCalls()
            let key = try await spool.put([Self.event(1, orderingKey: "customer-7"), Self.event(2, orderingKey: nil)])

            let mark = "ordering/" + SpoolDirectory.markName("customer-7")
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

    @Test func releaseRemovesOnlyOldMarksOfKeysWithoutEvents() async throws {
        try await withSpoolTest { context in
            let clock = SpoolTestClock(spoolTestTime)
            let spool = try context.open(clock: clock)
            for (index, orderingKey) in ["delivered", "still-pending", "recent"].enumerated() {
                if orderingKey == "recent" { clock.set(spoolTestTime.addingTimeInterval(60)) }
                _ = try await spool.put([Self.event(index, orderingKey: orderingKey)])
            }
            // A pass that began at +30 s found only "still-pending" in pending/; "recent" was put during it.
            try await spool.releaseOrderingKeys(
                keeping: ["still-pending"],
                markedBefore: spoolTestTime.addingTimeInterval(30)
            )
            #expect(try await !spool.hasWaitingEvents(orderingKey: "delivered"))
            #expect(try await spool.hasWaitingEvents(orderingKey: "still-pending"))
            #expect(try await spool.hasWaitingEvents(orderingKey: "recent"))
            #expect(context.names(in: "tmp").isEmpty)

            // A key with events whose mark was lost (a crash) is marked again.
            try FileManager.default.removeItem(
                atPath: context.spoolPath + "/ordering/" + SpoolDirectory.markName("still-pending")
            )
            try await spool.releaseOrderingKeys(keeping: ["still-pending"], markedBefore: spoolTestTime)
            #expect(try await spool.hasWaitingEvents(orderingKey: "still-pending"))
            await spool.shutdown()
        }
    }

    @Test func aPutThatMarksTheKeyDuringTheReleaseKeepsItsMark() async throws {
        try await withSpoolTest { context in
            let recorder = SpoolSyscallRecorder(root: context.spoolPath)
            let spool = try context.open(clock: SpoolTestClock(spoolTestTime), syscalls: recorder.syscalls)
            _ = try await spool.put([Self.event(1, orderingKey: "customer-7")])
            let markedBefore = spoolTestTime.addingTimeInterval(30)

            // Between the release's look at the mark and its rename, a put marks the key again.
            let directory = spool.directory
            let markedAgain = Mutex(false)
            recorder.beforeRename { source, _ in
                if source.string.hasPrefix("ordering/") {
                    try? directory.markOrderingKeys(["customer-7"], at: markedBefore.addingTimeInterval(1))
                    markedAgain.withLock { $0 = true }
                }
            }
            try await spool.releaseOrderingKeys(keeping: [], markedBefore: markedBefore)
            #expect(markedAgain.withLock { $0 }, "the release renamed the mark, racing the put")
            #expect(try await spool.hasWaitingEvents(orderingKey: "customer-7"))
            #expect(context.names(in: "tmp").isEmpty)
            await spool.shutdown()
        }
    }

    @Test func replayingAnObjectIntoPendingMarksItsKeysAgain() async throws {
        try await withSpoolTest { context in
            let spool = try context.open()
            let key = try await spool.put([Self.event(1, orderingKey: "customer-7")])
            try await spool.move(key, from: .pending, to: .dead)
            try await spool.releaseOrderingKeys(keeping: [], markedBefore: .distantFuture)
            #expect(try await !spool.hasWaitingEvents(orderingKey: "customer-7"))

            try await spool.move(key, from: .dead, to: .pending)
            #expect(try await spool.hasWaitingEvents(orderingKey: "customer-7"))

            try await spool.releaseOrderingKeys(keeping: [], markedBefore: .distantFuture)
            try await spool.replace(
                SpoolObject(key: key, state: .pending, events: [Self.event(1, orderingKey: "customer-7")])
            )
            #expect(try await spool.hasWaitingEvents(orderingKey: "customer-7"))
            #expect(try await spool.header(key, in: .pending).orderingKeys == nil)  // the flag says: read the object
            await spool.shutdown()
        }
    }
}
