import EventSpoolTesting
import Foundation
import Synchronization
import SystemPackage
import TestSupport
import Testing

@testable import EventSpool
@testable import EventSpoolStorage

/// Ordering-key marks under races: a sweep and a put, or a release and a put, interleaved at every system
/// call of one of them. Whenever an event of the key is in `pending/`, its mark must exist — or a publisher
/// asking at that moment would send a later event of the key ahead of it.
@Suite(.timeLimit(.minutes(1))) struct SpoolOrderingRaceTests {
    static let orderingKey = "customer-7"

    /// A spool in `context` (its keys made at ``spoolTestTime``) whose system calls `recorder` sees.
    static func openRecorded(_ context: SpoolTestContext) throws -> (SpoolSyscallRecorder, DirectorySpool) {
        let recorder = SpoolSyscallRecorder(root: context.spoolPath)
        return (recorder, try context.open(clock: ManualWallClock(spoolTestTime), syscalls: recorder.syscalls))
    }

    static func event(_ index: Int) -> SpooledEvent {
        SpoolOrderingKeyTests.event(index, orderingKey: orderingKey)
    }

    /// What a sweep does with the marks: begin the release, list `pending/` (delivering nothing), release
    /// the marks of the ordering keys it found no event of.
    static func sweepMarks(_ spool: DirectorySpool) async throws {
        try await spool.beginOrderingKeyRelease()
        var kept = Set<String>()
        for object in try await spool.objects(in: .pending) {
            kept.formUnion(object.events.compactMap(\.event.orderingKey))
        }
        try await spool.releaseOrderingKeys(keeping: kept)
    }

    /// A sweep that starts while a put is being written (its mark set, its
    /// object not yet renamed into place) lists no event of the key; it must not release the mark.
    @Test func aSweepAtAnyStepOfAPutNeverLeavesItsEventWithoutAMark() async throws {
        let steps = try await putSteps()
        #expect(steps > 5)
        for point in 0..<steps {
            try await withSpoolTest { context in
                let (recorder, spool) = try Self.openRecorded(context)
                _ = try await spool.put([spoolTestEvent(0)])  // the minute folder exists
                let interleaving = SpoolInterleaving(at: point) {
                    try? await Self.sweepMarks(spool)
                }
                recorder.watch(interleaving)
                let key = try await spool.put([Self.event(1)])
                await interleaving.waitForAction()
                recorder.watch(nil)

                #expect(interleaving.didInject)
                #expect(try await spool.get(key, in: .pending).events == [Self.event(1)])
                #expect(
                    try await spool.hasWaitingEvents(orderingKey: Self.orderingKey),
                    "a sweep before step \(point) of the put released the mark of its event"
                )
                await spool.shutdown()
            }
        }
    }

    /// A put of the key while a release runs (at any of its steps) keeps its mark — also while the
    /// release is still going, where a publisher may ask at any moment, and when the release stops dead at
    /// its next step (a sweeper killed there).
    @Test(arguments: [false, true])
    func aReleaseNeverHidesTheMarkOfAnEventPutMeanwhile(killedAfterThePut: Bool) async throws {
        let steps = try await releaseSteps()
        #expect(steps > 0)
        for point in 0..<steps {
            try await withSpoolTest { context in
                let (recorder, spool) = try Self.openRecorded(context)
                let directory = spool.directory
                // Delivered already: the mark is there, the key has no event left.
                try await spool.delete(try await spool.put([Self.event(0)]), in: .pending)
                try await spool.beginOrderingKeyRelease()

                let put = Mutex<SpoolKey?>(nil)
                let missing = Mutex<[Int]>([])
                let interleaving = SpoolInterleaving(
                    at: point,
                    stopSubjectWith: killedAfterThePut ? .ioError : nil,
                    action: {
                        let key = try? await spool.put([Self.event(1)])
                        put.withLock { $0 = key }
                    },
                    afterAction: {
                        // A publisher asking now: the event put is waiting, so the mark must be there.
                        if put.withLock({ $0 }) != nil, (try? directory.hasOrderingMark(Self.orderingKey)) != true {
                            missing.withLock { $0.append(point) }
                        }
                    }
                )
                recorder.watch(interleaving)
                _ = try? await spool.releaseOrderingKeys(keeping: [])
                await interleaving.waitForAction()
                recorder.watch(nil)

                #expect(interleaving.didInject)
                let key = try #require(put.withLock { $0 })
                #expect(try await spool.get(key, in: .pending).events == [Self.event(1)])
                #expect(missing.withLock { $0 }.isEmpty, "the mark was missing while the release ran")
                #expect(
                    try await spool.hasWaitingEvents(orderingKey: Self.orderingKey),
                    "a release interrupted at step \(point + 1) lost the mark of a waiting event"
                )
                await spool.shutdown()
            }
        }
    }

    /// A sweeper waiting to release marks is not starved by puts: while it waits for the puts in progress, a
    /// new put of an ordering key waits behind it (at the turnstile, `ordering/`'s lock), instead of taking
    /// `ordering.lock` shared again and again.
    @Test func aReleaseWaitingForAPutInProgressHoldsNewPutsBack() async throws {
        try await withSpoolTest { context in
            let (recorder, spool) = try Self.openRecorded(context)
            let (other, release, waitsFromThere) = try await Self.releaseWaitingForAPutInProgress(
                context,
                spool,
                recorder
            )
            var waits = waitsFromThere
            // The waiting release holds the turnstile, which every put of an ordering key passes through first.
            let turnstile = open(context.spoolPath + "/" + SpoolFolders.orderingFolder, O_RDONLY | O_CLOEXEC)
            #expect(flock(turnstile, LOCK_EX | LOCK_NB) == -1 && errno == EWOULDBLOCK, "puts can pass the release")
            close(turnstile)
            let put = Task { try await spool.put([Self.event(1)]) }
            while await waits.next() != "flock ordering exclusive" {}

            close(other)  // that put is done
            try await release.value
            let key = try await put.value
            recorder.onBlockingLock(nil)

            // The release went first and removed the cleared mark; the waiting put marked the key afresh.
            let mark = "ordering/" + SpoolFolders.markName(Self.orderingKey)
            let removed = try #require(recorder.calls.firstIndex(of: "unlink \(mark)"), "\(recorder.calls)")
            let marked = try #require(recorder.calls.lastIndex(of: "futimens \(mark)"))
            #expect(removed < marked)
            #expect(try await spool.get(key, in: .pending).events == [Self.event(1)])
            #expect(try await spool.hasWaitingEvents(orderingKey: Self.orderingKey))
            await spool.shutdown()
        }
    }

    /// A sweeper stopped (`SIGSTOP`, a debugger) while it waits for `ordering.lock` holds nothing that a put
    /// without ordering keys needs: other processes go on spooling such events; only puts of ordering keys
    /// wait, and they take their keys first.
    @Test func aReleaseWaitingForTheOrderingLockHoldsNoPutWithoutOrderingKeysBack() async throws {
        try await withSpoolTest { context in
            let (recorder, spool) = try Self.openRecorded(context)
            let (other, release, _) = try await Self.releaseWaitingForAPutInProgress(context, spool, recorder)

            // newest-key is free while the release waits: a put in any process takes its key at once.
            let newestKey = open(context.spoolPath + "/" + SpoolFolders.newestKeyFile, O_RDONLY | O_CLOEXEC)
            let free = flock(newestKey, LOCK_EX | LOCK_NB) == 0
            close(newestKey)
            if !free {
                close(other)
                _ = try? await release.value
            }
            try #require(free, "the waiting release holds newest-key: every put waits for it")
            let putter = try context.open(clock: ManualWallClock(spoolTestTime))
            let unordered = try await putter.put([spoolTestEvent(2)])
            #expect(try await putter.get(unordered, in: .pending).events == [spoolTestEvent(2)])

            // A put of an ordering key waits for the release (or goes first, should the release be done).
            let ordered = Task { try await putter.put([Self.event(3)]) }
            close(other)
            try await release.value
            let key = try await ordered.value
            #expect(unordered < key)
            recorder.onBlockingLock(nil)
            #expect(try await spool.hasWaitingEvents(orderingKey: Self.orderingKey))
            await putter.shutdown()
            await spool.shutdown()
        }
    }

    /// Starts a release of every mark while a put in another process (another open file description of
    /// `ordering.lock`, returned) is between marking its keys and renaming its object; returns once the release
    /// waits for `ordering.lock`, with the release and the stream of the blocking lock calls made from then on.
    private static func releaseWaitingForAPutInProgress(
        _ context: SpoolTestContext,
        _ spool: DirectorySpool,
        _ recorder: SpoolSyscallRecorder
    ) async throws -> (other: CInt, release: Task<Void, any Error>, waits: AsyncStream<String>.Iterator) {
        try await spool.delete(try await spool.put([Self.event(0)]), in: .pending)
        try await spool.beginOrderingKeyRelease()
        let other = open(context.spoolPath + "/" + SpoolFolders.orderingLockFile, O_RDONLY | O_CLOEXEC)
        #expect(flock(other, LOCK_SH) == 0)
        let (blocked, blocking) = AsyncStream.makeStream(of: String.self)
        recorder.onBlockingLock { call, started in
            if started { blocking.yield(call) }
        }
        var waits = blocked.makeAsyncIterator()
        let release = Task { try await spool.releaseOrderingKeys(keeping: []) }
        while await waits.next() != "flock ordering.lock exclusive" {}
        return (other, release, waits)
    }

    /// How many system calls a put of one event with an ordering key makes into an existing folder.
    private func putSteps() async throws -> Int {
        try await withSpoolTest { context in
            let (recorder, spool) = try Self.openRecorded(context)
            _ = try await spool.put([spoolTestEvent(0)])
            let counter = SpoolInterleaving(at: nil)
            recorder.watch(counter)
            _ = try await spool.put([Self.event(1)])
            recorder.watch(nil)
            await spool.shutdown()
            return counter.callCount
        }
    }

    /// How many system calls a release of one mark without events makes.
    private func releaseSteps() async throws -> Int {
        try await withSpoolTest { context in
            let (recorder, spool) = try Self.openRecorded(context)
            try await spool.delete(try await spool.put([Self.event(0)]), in: .pending)
            try await spool.beginOrderingKeyRelease()
            let counter = SpoolInterleaving(at: nil)
            recorder.watch(counter)
            try await spool.releaseOrderingKeys(keeping: [])
            recorder.watch(nil)
            #expect(try await !spool.hasWaitingEvents(orderingKey: Self.orderingKey))
            await spool.shutdown()
            return counter.callCount
        }
    }
}

extension SpoolSyscallRecorder {
    /// Lets `interleaving` see (and stop) every call; `nil` stops watching.
    func watch(_ interleaving: SpoolInterleaving?) {
        guard let interleaving else {
            beforeEveryCall(nil)
            onBlockingLock(nil)
            return
        }
        beforeEveryCall { interleaving.observe($0) }
        onBlockingLock { interleaving.lockBlocked($1) }
    }
}
