import EventSpoolTesting
import Foundation
import Logging
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

    /// The first moment of the year 9999, and one in the year 12000.
    static let year9999 = spoolTestDate(9999, 1, 1, 0, 0, 0)
    static let year12000 = spoolTestDate(12000, 1, 1, 0, 0, 0)

    /// A `newest-key` at the last representable microsecond (a clock that read the year 10000 once, or a planted
    /// file) would pin every later key there, and keys of one microsecond sort by process id, not in the order
    /// they were taken. A recorded key in the year 9999 is no floor: it is ignored with a warning, and the next
    /// key replaces it.
    @Test func aNewestKeyInTheYear9999IsNoFloorAndIsRewritten() async throws {
        try await withSpoolTest { context in
            let clock = ManualWallClock(spoolTestTime)
            try await context.open(clock: clock).shutdown()
            let newestKey = context.spoolPath + "/" + SpoolFolders.newestKeyFile
            let planted = "99991231T235959.999999Z-ffffffff-ffffffff-ffffffff"
            try Data((planted + "\n").utf8).write(to: URL(fileURLWithPath: newestKey))

            let first = try context.open(clock: clock)
            let second = try context.open(clock: clock)
            var keys = [try await first.put([spoolTestEvent(1)])]
            keys.append(try await second.put([spoolTestEvent(2)]))
            keys.append(try await first.put([spoolTestEvent(3)]))

            // The clock's time, then one microsecond after each: the order they were taken in, by time.
            let now = SpoolKey.microseconds(of: spoolTestTime)
            #expect(keys.map(\.microseconds) == [now, now + 1, now + 2], "\(keys)")
            #expect(try String(contentsOfFile: newestKey, encoding: .utf8) == keys[2].rawValue + "\n")
            let warnings = context.messages(atLeast: .warning)
            #expect(warnings.contains { $0.path == newestKey }, "\(warnings)")
            for spool in [first, second] { await spool.shutdown() }
        }
    }

    /// The newest object in `pending/` is the floor of a spool that opens; one in the year 9999 is not.
    @Test func anObjectInTheYear9999IsNoFloorForASpoolThatOpens() async throws {
        try await withSpoolTest { context in
            let clock = ManualWallClock(spoolTestTime)
            let spool = try context.open(clock: clock)
            let real = try await spool.put([spoolTestEvent(1)])
            await spool.shutdown()
            let pinned = SpoolKey.make(
                microseconds: SpoolKey.representableMicroseconds.upperBound,
                processID: 0xFFFF_FFFF,
                nonce: 0,
                sequence: 0
            )
            let folder = context.spoolPath + "/pending/" + pinned.folder
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try FileManager.default.copyItem(
                atPath: spool.path(of: real, in: .pending),
                toPath: folder + "/" + pinned.fileName
            )
            try FileManager.default.removeItem(atPath: context.spoolPath + "/" + SpoolFolders.newestKeyFile)

            let reopened = try context.open(clock: clock)
            let key = try await reopened.put([spoolTestEvent(2)])
            #expect(key.microseconds == real.microseconds + 1, "\(key)")
            #expect(context.messages(atLeast: .warning).contains { $0.path.hasSuffix(pinned.fileName) })
            await reopened.shutdown()
        }
    }

    /// A clock that reads the year 9999 or later is no clock: its process makes keys after the newest key, as a
    /// process whose clock is behind does, instead of keys at the top of the range that later keys could not
    /// follow.
    @Test(arguments: [year9999, year12000])
    func aClockInTheYear9999OrLaterIsNotUsed(broken: Date) async throws {
        try await withSpoolTest { context in
            let healthy = try context.open(clock: ManualWallClock(spoolTestTime))
            let brokenClock = try context.open(clock: ManualWallClock(broken))
            var keys = [try await healthy.put([spoolTestEvent(1)])]
            keys.append(try await brokenClock.put([spoolTestEvent(2)]))
            keys.append(try await healthy.put([spoolTestEvent(3)]))
            keys.append(try await brokenClock.put([spoolTestEvent(4)]))

            let now = SpoolKey.microseconds(of: spoolTestTime)
            #expect(keys.map(\.microseconds) == [now, now + 1, now + 2, now + 3], "\(keys)")
            #expect(context.messages(atLeast: .warning).contains { $0.message.contains("clock") })
            for spool in [healthy, brokenClock] { await spool.shutdown() }
        }
    }
}
