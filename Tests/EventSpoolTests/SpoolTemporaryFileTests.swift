import EventSpoolTesting
import Foundation
import InMemoryLogging
import Logging
import Synchronization
import SystemPackage
import TestSupport
import Testing

@testable import EventSpool
@testable import EventSpoolStorage

/// `tmp/` and the folders a put makes: a file a writer still holds is never removed, whichever process (or
/// PID namespace) it belongs to; a link planted where a folder should be is never followed.
@Suite(.timeLimit(.minutes(1))) struct SpoolTemporaryFileTests {
    /// A process id above Linux's pid_max (2^22): no process here has it — as with a writer in another
    /// container sharing the spool volume, whose process ids mean nothing in this one.
    static let foreignProcess: UInt32 = 0x7FFF_FFF0

    @Test func temporaryFilesNoWriterHoldsAreRemovedWhenTheSpoolOpens() async throws {
        try await withSpoolTest { context in
            let clock = ManualWallClock(Date())
            try await context.open(clock: clock).shutdown()
            let ownProcess = UInt32(bitPattern: getpid())
            let foreignWriter = SpoolKey.make(time: Date(), processID: Self.foreignProcess, nonce: 1, sequence: 1)
            let earlierSelf = SpoolKey.make(
                time: Date(),
                processID: ownProcess,
                nonce: SpoolKeySource.processNonce &+ 1,
                sequence: 1
            )
            let liveWriter = SpoolKey.make(
                time: Date(),
                processID: ownProcess,
                nonce: SpoolKeySource.processNonce,
                sequence: 1
            )
            let names = [foreignWriter, earlierSelf, liveWriter].map { $0.rawValue + ".tmp" } + ["leftover"]
            for name in names {
                try Data("partial".utf8).write(to: URL(fileURLWithPath: context.spoolPath + "/tmp/" + name))
            }
            let writer = open(context.spoolPath + "/tmp/" + liveWriter.rawValue + ".tmp", O_RDONLY | O_CLOEXEC)
            defer { close(writer) }
            #expect(flock(writer, LOCK_EX) == 0)

            // Whatever their names say: only the file a writer holds stays.
            let spool = try context.open(clock: clock)
            #expect(context.names(in: "tmp") == [liveWriter.rawValue + ".tmp"])
            let removed = context.logs.entries.filter { $0.message.description == "removed a stale temporary file" }
            #expect(removed.count == 3)
            #expect(removed.allSatisfy { "\($0.metadata["spool.reason"] ?? "")" == "no writer holds it" })
            await spool.shutdown()

            // An hour later (the default maximum age), or a day, the held file stays: its writer is alive, and
            // the age is only what this process's clock says. It is reported.
            for later in [3601.0, 86_400] {
                clock.set(Date().addingTimeInterval(later))
                try await context.open(clock: clock).shutdown()
                #expect(context.names(in: "tmp") == [liveWriter.rawValue + ".tmp"], "removed \(later) s later")
            }
            let kept = context.logs.entries.filter {
                $0.message.description == "a writer has held a temporary file for longer than staleTemporaryFileAge"
            }
            #expect(kept.count == 2)
        }
    }

    /// A process whose clock is an hour ahead (an NTP step forward, a container's wrong clock) opens the spool
    /// while a put is being written: the writer's file looks an hour old, and stays.
    @Test func aSpoolWhoseClockIsAheadLeavesTheFileOfAPutBeingWritten() async throws {
        try await Self.putWhileAnotherSpoolOpens(before: "fdatasync tmp/", clock: ManualWallClock(Date() + 3601))
    }

    /// What no writer makes — a FIFO, a symbolic link — cannot be locked; it goes once it is older than the
    /// maximum age, and a folder is only reported.
    @Test func entriesNoWriterMakesGoOnceTheyAreOld() async throws {
        try await withSpoolTest { context in
            let clock = ManualWallClock(Date())
            try await context.open(clock: clock).shutdown()
            let tmp = context.spoolPath + "/tmp/"
            #expect(mkfifo(tmp + "fifo", 0o600) == 0)
            #expect(symlink(context.base + "/elsewhere", tmp + "link") == 0)
            #expect(mkdir(tmp + "folder", 0o700) == 0)

            try await context.open(clock: clock).shutdown()
            #expect(context.names(in: "tmp") == ["fifo", "folder", "link"])
            clock.set(Date().addingTimeInterval(3601))
            try await context.open(clock: clock).shutdown()
            #expect(context.names(in: "tmp") == ["folder"])
        }
    }

    /// A long-running spool (a sweeper service's) opens once: its sweeps remove what writers that died since left
    /// in `tmp/`, and keep what a live writer holds.
    @Test func aSweepRemovesTheLeftoversOfWritersGoneSinceTheSpoolOpened() async throws {
        try await withSpoolTest { context in
            let spool = try context.open()
            let dead =
                context.spoolPath + "/tmp/"
                + SpoolKey.make(time: Date(), processID: Self.foreignProcess, nonce: 1, sequence: 1).rawValue + ".tmp"
            let live =
                context.spoolPath + "/tmp/"
                + SpoolKey.make(time: Date(), processID: Self.foreignProcess, nonce: 2, sequence: 1).rawValue + ".tmp"
            try Data("partial".utf8).write(to: URL(fileURLWithPath: dead))
            try Data("being written".utf8).write(to: URL(fileURLWithPath: live))
            let writer = open(live, O_RDWR | O_CLOEXEC)
            defer { close(writer) }
            #expect(flock(writer, LOCK_EX) == 0)

            let sweeper = try Sweeper(
                configuration: .init(
                    broker: BrokerConfiguration(url: "http://127.0.0.1:9/"),
                    spool: spool.configuration
                ),
                spool: spool,
                logger: context.logger
            )
            let report = await sweeper.sweep()
            await sweeper.shutdown()
            await spool.shutdown()

            #expect(report.failure == nil && !report.lockHeld)
            #expect(context.names(in: "tmp") == [URL(fileURLWithPath: live).lastPathComponent])
        }
    }

    @Test func aTemporaryFileAWriterStillHoldsIsKeptWhateverProcessItsNameNames() async throws {
        try await withSpoolTest { context in
            try await context.open().shutdown()
            let foreign = SpoolKey.make(time: Date(), processID: Self.foreignProcess, nonce: 1, sequence: 1)
            let path = context.spoolPath + "/tmp/" + foreign.rawValue + ".tmp"
            try Data("being written".utf8).write(to: URL(fileURLWithPath: path))
            // The writer's lock, held through another open file description (as another process would).
            let writer = open(path, O_RDWR | O_CLOEXEC)
            #expect(writer >= 0)
            #expect(flock(writer, LOCK_EX) == 0)

            try await context.open().shutdown()
            #expect(context.names(in: "tmp") == [foreign.rawValue + ".tmp"], "a live writer's file was removed")

            // Its writer gone (the kernel drops the lock), the next open removes it.
            close(writer)
            try await context.open().shutdown()
            #expect(context.names(in: "tmp").isEmpty)
        }
    }

    /// Just before the writer renames its file out of tmp/, another process opens the spool and cleans up.
    @Test func aSpoolOpeningWhileAPutIsWrittenLeavesItsTemporaryFile() async throws {
        try await Self.putWhileAnotherSpoolOpens(before: "rename tmp/", clock: SystemWallClock())
    }

    /// Puts an event while another spool instance with `clock` opens (and cleans up `tmp/`) just before the
    /// writer's first call starting with `call`; the put must succeed.
    static func putWhileAnotherSpoolOpens(before call: String, clock: any WallClock) async throws {
        try await withSpoolTest { context in
            let recorder = SpoolSyscallRecorder(root: context.spoolPath)
            let spool = try context.open(syscalls: recorder.syscalls)
            let opened = Mutex(false)
            recorder.beforeEveryCall { made in
                if made.hasPrefix(call), !opened.withLock({ $0 }) {
                    opened.withLock { $0 = true }
                    _ = try? context.open(clock: clock)
                }
                return nil
            }
            let key = try await spool.put([spoolTestEvent(1)])
            recorder.beforeEveryCall(nil)
            #expect(opened.withLock { $0 })
            #expect(try await spool.get(key, in: .pending).events == [spoolTestEvent(1)])
            await spool.shutdown()
        }
    }

    @Test func aWriterWhoseTemporaryFileIsRemovedBeforeItsLockStartsOver() async throws {
        try await withSpoolTest { context in
            let recorder = SpoolSyscallRecorder(root: context.spoolPath)
            let spool = try context.open(syscalls: recorder.syscalls)
            // Between the writer's create and its lock, a clean-up (another spool opening) finds the file
            // unlocked, and removes it.
            let removed = Mutex<String?>(nil)
            recorder.beforeEveryCall { call in
                let parts = call.split(separator: " ")
                if parts.count > 1, parts[0] == "flock", parts[1].hasPrefix("tmp/"), removed.withLock({ $0 == nil }) {
                    unlink(context.spoolPath + "/" + parts[1])
                    removed.withLock { $0 = String(parts[1]) }
                }
                return nil
            }
            let key = try await spool.put([spoolTestEvent(1)])
            recorder.beforeEveryCall(nil)

            #expect(removed.withLock { $0 } == "tmp/\(key.rawValue).tmp")
            #expect(recorder.calls.contains("open tmp/\(key.rawValue)-1.tmp"))
            #expect(try await spool.get(key, in: .pending).events == [spoolTestEvent(1)])
            #expect(context.names(in: "tmp").isEmpty)
            await spool.shutdown()
        }
    }

    @Test func aLinkPlantedWhereADatedFolderShouldBeIsNeverFollowed() async throws {
        try await withSpoolTest { context in
            let spool = try context.open(clock: ManualWallClock(spoolTestTime))
            let outside = context.base + "/outside"
            try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: false)
            #expect(symlink(outside, context.spoolPath + "/pending/2026") == 0)

            let error = try #require(await spoolError { _ = try await spool.put([spoolTestEvent(1)]) })
            #expect(error.code == .unsafe)
            #expect(error.path == context.spoolPath + "/pending/2026")
            #expect(
                try FileManager.default.contentsOfDirectory(atPath: outside).isEmpty,
                "folders were made through the link"
            )
            #expect(context.names(in: "tmp").isEmpty)
            await spool.shutdown()
        }
    }
}
