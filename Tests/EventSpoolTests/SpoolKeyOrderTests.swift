import EventSpoolTesting
import Foundation
import Synchronization
import TestSupport
import Testing

@testable import EventSpool
@testable import EventSpoolStorage

/// Keys sort in the order their objects were made — also across spool instances (processes) sharing a
/// spool, and when the wall clock steps backwards (an NTP correction): otherwise the sweeper would deliver
/// a later event of an ordering key before an earlier one.
@Suite(.timeLimit(.minutes(1))) struct SpoolKeyOrderTests {
    static let hour: TimeInterval = 3600

    @Test func aNewInstanceWhoseClockSteppedBackMakesKeysAfterThoseInPending() async throws {
        try await withSpoolTest { context in
            let first = try context.open(clock: ManualWallClock(spoolTestTime))
            let early = try await first.put([spoolTestEvent(1)])
            await first.shutdown()

            // The clock steps back an hour; then a new process opens the spool (a restarted service,
            // every `spoolctl publish`).
            let second = try context.open(clock: ManualWallClock(spoolTestTime.addingTimeInterval(-Self.hour)))
            let late = try await second.put([spoolTestEvent(2)])
            #expect(early < late)
            #expect(try await second.keys(in: .pending) == [early, late])
            await second.shutdown()
        }
    }

    @Test func instancesRunningTogetherMakeKeysInTheOrderTheirPutsReturned() async throws {
        try await withSpoolTest { context in
            let running = ManualWallClock(spoolTestTime)
            let longLived = try context.open(clock: running)
            var keys = [try await longLived.put([spoolTestEvent(1)])]

            // The clock steps back an hour: a process started now reads the earlier time at once ...
            let newer = try context.open(clock: ManualWallClock(spoolTestTime.addingTimeInterval(-Self.hour)))
            keys.append(try await newer.put([spoolTestEvent(2)]))
            // ... and the long-lived one once the step reaches it, while both keep writing.
            running.set(spoolTestTime.addingTimeInterval(-Self.hour))
            keys.append(try await longLived.put([spoolTestEvent(3)]))
            keys.append(try await newer.put([spoolTestEvent(4)]))

            #expect(keys == keys.sorted(), "\(keys)")
            #expect(try await newer.keys(in: .pending) == keys)
            await newer.shutdown()
            await longLived.shutdown()
        }
    }

    /// `newest-key` is read and rewritten under its lock: a key taken meanwhile by another process is not
    /// overwritten by an older one, so a put after both still sorts after both.
    @Test func aKeyTakenWhileAnotherIsRecordedIsNotLostToItsRecord() async throws {
        try await withSpoolTest { context in
            let stepped = spoolTestTime.addingTimeInterval(-Self.hour)
            let first = try context.open(clock: ManualWallClock(spoolTestTime))
            var keys = [try await first.put([spoolTestEvent(1)])]
            await first.shutdown()
            // Two processes started after the clock stepped back an hour; one that has not read the step yet.
            let recorder = SpoolSyscallRecorder(root: context.spoolPath)
            let recorded = try context.open(clock: ManualWallClock(stepped), syscalls: recorder.syscalls)
            let later = try context.open(clock: ManualWallClock(stepped))
            // (Through the same recorder, so the interleaving sees it wait for the lock.)
            let ahead = try context.open(
                clock: ManualWallClock(spoolTestTime.addingTimeInterval(100)),
                syscalls: recorder.syscalls
            )

            // Between reading newest-key and recording its key there, the other process takes a key.
            let aheadKey = Mutex<SpoolKey?>(nil)
            let interleaving = SpoolInterleaving(at: nil, orBefore: "pwrite newest-key") {
                let key = try? await ahead.put([spoolTestEvent(3)])
                aheadKey.withLock { $0 = key }
            }
            recorder.watch(interleaving)
            keys.append(try await recorded.put([spoolTestEvent(2)]))
            await interleaving.waitForAction()
            recorder.watch(nil)
            #expect(interleaving.didInject)
            keys.append(try #require(aheadKey.withLock { $0 }))
            // Both puts have returned: a put now must sort after both.
            keys.append(try await later.put([spoolTestEvent(4)]))

            #expect(keys.last == keys.max(), "\(keys)")
            for spool in [recorded, later, ahead] { await spool.shutdown() }
        }
    }
}
