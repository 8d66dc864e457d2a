import EventSpoolTesting
import Foundation
import Synchronization
import SystemPackage
import TestSupport
import Testing

@testable import EventSpool
@testable import EventSpoolStorage
@testable import EventSpoolSystem

/// The write protocol, observed through the syscall seam: the order of the durability steps, and what a
/// failure of each leaves behind.
@Suite(.timeLimit(.minutes(1))) struct SpoolDurabilityTests {
    /// The folder of keys made at ``spoolTestTime`` (2026-11-26T23:50:03Z).
    static let folder = "pending/2026/11/26/23/50"

    @Test func putFlushesTheFileRenamesAndFlushesTheFolderInThatOrder() async throws {
        try await withSpoolTest { context in
            let recorder = SpoolSyscallRecorder(root: context.spoolPath)
            let spool = try context.open(clock: ManualWallClock(spoolTestTime), syscalls: recorder.syscalls)
            recorder.clearCalls()

            // The first put into a new minute folder also creates the folders and flushes each level.
            let first = try await spool.put([spoolTestEvent(1)])
            let temporary = "tmp/\(first.rawValue).tmp"
            let levels = [
                "pending/2026", "pending/2026/11", "pending/2026/11/26", "pending/2026/11/26/23", Self.folder,
            ]
            #expect(
                Self.durabilitySteps(recorder.calls) == [
                    "open \(temporary)",
                    "write \(temporary)",
                    "fdatasync \(temporary)",
                    "mkdir pending",
                ] + levels.map { "mkdir \($0)" } + (["pending"] + levels).reversed().map { "fsync \($0)" } + [
                    "rename \(temporary) \(Self.folder)/\(first.fileName) (no replace)",
                    "fsync \(Self.folder)",
                ]
            )

            // Into an existing folder: file flush, rename, folder flush — nothing else, nothing reordered.
            recorder.clearCalls()
            let second = try await spool.put([spoolTestEvent(2)])
            #expect(
                Self.durabilitySteps(recorder.calls)
                    == Self.stepsIntoExistingFolder(
                        temporary: "tmp/\(second.rawValue).tmp",
                        key: second,
                        noReplace: true
                    )
            )
            #expect(try await spool.keys(in: .pending) == [first, second])
            await spool.shutdown()
        }
    }

    @Test func moveRenamesWithoutReplacingThenFlushesTheNewFolderThenTheOld() async throws {
        try await withSpoolTest { context in
            let recorder = SpoolSyscallRecorder(root: context.spoolPath)
            let spool = try context.open(clock: ManualWallClock(spoolTestTime), syscalls: recorder.syscalls)
            let key = try await spool.put([spoolTestEvent(1)])
            _ = try await spool.move(key, from: .pending, to: .dead)  // creates dead/'s folders first
            _ = try await spool.move(key, from: .dead, to: .pending)
            recorder.clearCalls()

            _ = try await spool.move(key, from: .pending, to: .dead)
            let dead = Self.folder.replacingOccurrences(of: "pending/", with: "dead/")
            #expect(
                Self.durabilitySteps(recorder.calls) == [
                    "rename \(Self.folder)/\(key.fileName) \(dead)/\(key.fileName) (no replace)",
                    // The new entry first: a crash may leave the object in both folders, never in neither.
                    "fsync \(dead)",
                    "fsync \(Self.folder)",
                ]
            )
            #expect(try await spool.get(key, in: .dead).events == [spoolTestEvent(1)])
            await spool.shutdown()
        }
    }

    @Test func aRenameThatMustNotReplaceFailsOnAnExistingFileAndKeepsBoth() async throws {
        try await withSpoolTest { context in
            try FileManager.default.createDirectory(atPath: context.spoolPath, withIntermediateDirectories: false)
            for (name, text) in [("a", "new"), ("b", "old")] {
                #expect(
                    FileManager.default.createFile(atPath: context.spoolPath + "/" + name, contents: Data(text.utf8))
                )
            }
            let folder = try FileDescriptor.open(FilePath(context.spoolPath), .readOnly, options: [.directory])
            defer { try? folder.close() }
            #expect(throws: Errno.fileExists) {
                try FileDescriptor.rename(in: folder, from: FilePath("a"), to: FilePath("b"), noReplace: true)
            }
            #expect(context.names(in: "") == ["a", "b"])
            #expect(FileManager.default.contents(atPath: context.spoolPath + "/b") == Data("old".utf8))
        }
    }

    @Test func replaceFlushesBeforeItRenamesOverTheOldObject() async throws {
        try await withSpoolTest { context in
            let recorder = SpoolSyscallRecorder(root: context.spoolPath)
            let spool = try context.open(clock: ManualWallClock(spoolTestTime), syscalls: recorder.syscalls)
            let key = try await spool.put([spoolTestEvent(1), spoolTestEvent(2)])
            recorder.clearCalls()

            try await spool.replace(SpoolObject(key: key, state: .pending, events: [spoolTestEvent(2)]))
            let steps = Self.durabilitySteps(recorder.calls)
            let temporary = try #require(steps.first).replacingOccurrences(of: "open ", with: "")
            #expect(steps == Self.stepsIntoExistingFolder(temporary: temporary, key: key, noReplace: false))
            #expect(try await spool.get(key, in: .pending).events == [spoolTestEvent(2)])
            await spool.shutdown()
        }
    }

    struct Fault: Sendable, CustomTestStringConvertible {
        var operation: String
        var errno: Errno
        var pathContaining: String = ""
        /// Whether the failing put goes into a new minute folder (so it creates folders first).
        var newFolder = false

        var testDescription: String { "\(errno) on \(operation)\(newFolder ? " of a new folder" : "")" }
    }

    @Test(arguments: [
        Fault(operation: "fdatasync", errno: .ioError),
        Fault(operation: "write", errno: .noSpace),
        Fault(operation: "write", errno: .diskQuotaExceeded),
        Fault(operation: "rename", errno: .diskQuotaExceeded),
        Fault(operation: "rename", errno: .ioError),
        Fault(operation: "fsync", errno: .ioError, pathContaining: folder),
        Fault(operation: "mkdir", errno: .noSpace, newFolder: true),
        Fault(operation: "fsync", errno: .ioError, pathContaining: "pending/2026/11/26/23/51", newFolder: true),
    ])
    func aFailedStepThrowsAndLeavesNothingVisible(fault: Fault) async throws {
        try await withSpoolTest { context in
            let recorder = SpoolSyscallRecorder(root: context.spoolPath)
            let clock = ManualWallClock(spoolTestTime)
            let spool = try context.open(clock: clock, syscalls: recorder.syscalls)
            let before = try await spool.put([spoolTestEvent(1)])
            if fault.newFolder {
                clock.set(spoolTestTime.addingTimeInterval(60))
            }
            recorder.clearCalls()
            recorder.fail(fault.operation, with: fault.errno, pathContaining: fault.pathContaining)

            let error = try #require(await spoolError { _ = try await spool.put([spoolTestEvent(2)]) })
            #expect(error.errno == fault.errno)
            #expect(error.operation == fault.operation)
            #expect(error.path.hasPrefix(context.spoolPath))
            #expect(try await spool.keys(in: .pending) == [before])
            #expect(context.names(in: "tmp").isEmpty)
            // A failed flush is final: never flushed again and called durable. (A failed write never
            // gets as far as a flush.)
            let flushes = recorder.calls.filter { $0.hasPrefix("fdatasync ") }
            #expect(flushes.count == (fault.operation == "write" ? 0 : 1))

            // The spool keeps working once the fault is gone.
            let after = try await spool.put([spoolTestEvent(3)])
            #expect(try await spool.keys(in: .pending) == [before, after])
            await spool.shutdown()
        }
    }

    @Test func aWriterRecreatesAFolderRemovedJustBeforeItsRename() async throws {
        try await withSpoolTest { context in
            let recorder = SpoolSyscallRecorder(root: context.spoolPath)
            let spool = try context.open(clock: ManualWallClock(spoolTestTime), syscalls: recorder.syscalls)
            let first = try await spool.put([spoolTestEvent(1)])
            try await spool.delete(first, in: .pending)

            // A sweeper removes the now empty minute folder between the writer's check and its rename.
            let removed = Mutex(false)
            let folder = context.spoolPath + "/" + Self.folder
            recorder.beforeRename { _, _ in
                removed.withLock { removed in
                    if !removed { removed = rmdir(folder) == 0 }
                }
            }
            recorder.clearCalls()
            let second = try await spool.put([spoolTestEvent(2)])
            #expect(removed.withLock { $0 })
            #expect(recorder.calls.filter { $0.hasPrefix("rename ") }.count == 2)
            #expect(try await spool.get(second, in: .pending).events == [spoolTestEvent(2)])
            await spool.shutdown()
        }
    }

    @Test func folderCleanupLeavesFilesAndLinksNamedLikeFoldersAndGoesOn() async throws {
        try await withSpoolTest { context in
            let spool = try context.open(clock: ManualWallClock(spoolTestTime))
            try await spool.delete(try await spool.put([spoolTestEvent(1)]), in: .pending)
            let hour = context.spoolPath + "/pending/2026/11/26/23"
            #expect(FileManager.default.createFile(atPath: hour + "/49", contents: Data("x".utf8)))
            #expect(symlink(NSTemporaryDirectory(), context.spoolPath + "/pending/2026/11/26/22") == 0)

            // Neither stops the cleanup: the empty minute folder 50 goes, the file and the link stay.
            let removed = try await spool.removeEmptyFolders(before: spoolTestTime.addingTimeInterval(86_400 * 400))
            #expect(removed == 1)
            #expect(context.names(in: "pending/2026/11/26/23") == ["49"])
            #expect(context.names(in: "pending/2026/11/26") == ["22", "23"])
            await spool.shutdown()
        }
    }

    @Test func emptyOldFoldersAreRemovedAndMadeAgainWhenNeeded() async throws {
        try await withSpoolTest { context in
            let clock = ManualWallClock(spoolTestTime)
            let spool = try context.open(clock: clock)
            let old = try await spool.put([spoolTestEvent(1)])
            clock.set(spoolTestTime.addingTimeInterval(120))
            let kept = try await spool.put([spoolTestEvent(2)])
            try await spool.delete(old, in: .pending)

            // The cutoff's own minute is not complete, so it stays even when empty.
            let removed = try await spool.removeEmptyFolders(before: spoolTestTime.addingTimeInterval(120))
            #expect(removed == 1)
            #expect(context.names(in: "pending/2026/11/26/23") == ["52"])
            #expect(try await spool.keys(in: .pending) == [kept])

            try await spool.delete(kept, in: .pending)
            #expect(try await spool.removeEmptyFolders(before: spoolTestTime.addingTimeInterval(86_400 * 400)) == 5)
            #expect(context.names(in: "pending").isEmpty)

            // A put after the cleanup makes its folders again.
            let spoolAtOldTime = try context.open(clock: ManualWallClock(spoolTestTime))
            let again = try await spoolAtOldTime.put([spoolTestEvent(3)])
            #expect(try await spoolAtOldTime.get(again, in: .pending).events == [spoolTestEvent(3)])
            await spoolAtOldTime.shutdown()
            await spool.shutdown()
        }
    }

    @Test func shutdownWaitsForAcceptedPutsToBeDurable() async throws {
        try await withSpoolTest { context in
            let recorder = SpoolSyscallRecorder(root: context.spoolPath)
            let spool = try context.open(syscalls: recorder.syscalls)
            // The writer stops in the flush of the first object until the test lets it go.
            let flushing = Mutex(false)
            let release = DispatchSemaphore(value: 0)
            recorder.beforeEveryCall { call in
                if call.hasPrefix("fdatasync ") && !flushing.withLock({ $0 }) {
                    flushing.withLock { $0 = true }
                    release.wait()
                }
                return nil
            }
            let first = Task { try await spool.put([spoolTestEvent(0)]) }
            while !flushing.withLock({ $0 }) { await Task.yield() }
            var puts = [first]
            for index in 1..<64 {
                puts.append(Task { try await spool.put([spoolTestEvent(index)]) })
            }
            while spool.writer.queuedPuts < 63 { await Task.yield() }

            // Shutdown begins while 63 accepted puts are queued and one is being flushed.
            let shutdown = Task { () -> [String] in
                await spool.shutdown()
                // What is on disk the moment shutdown returns, before any put's task has been looked at.
                let reopened = try context.open()
                let stored = try await reopened.allEvents(in: .pending).map(\.event.id)
                await reopened.shutdown()
                return stored
            }
            while !spool.writer.isClosed { await Task.yield() }
            #expect(
                await spoolError { _ = try await spool.put([spoolTestEvent(64)]) }?.message == "the spool is shut down"
            )
            release.signal()
            let stored = try await shutdown.value
            recorder.beforeEveryCall(nil)

            var keys: [SpoolKey] = []
            for put in puts {
                keys.append(try await put.value)
            }
            #expect(keys.count == 64)
            #expect(Set(stored) == Set((0..<64).map { spoolTestEvent($0).event.id }), "not durable at shutdown")
            #expect(stored.count == 64)
        }
    }

    /// A write of `key` through `temporary` into the existing folder ``folder``: file flush, rename (one that
    /// never replaces an object for a new key), folder flush — nothing else, nothing reordered.
    static func stepsIntoExistingFolder(temporary: String, key: SpoolKey, noReplace: Bool) -> [String] {
        [
            "open \(temporary)",
            "write \(temporary)",
            "fdatasync \(temporary)",
            "rename \(temporary) \(folder)/\(key.fileName)\(noReplace ? " (no replace)" : "")",
            "fsync \(folder)",
        ]
    }

    /// The calls that make a write durable or visible, without reads and closes.
    static func durabilitySteps(_ calls: [String]) -> [String] {
        calls.filter { call in
            ["write ", "fdatasync ", "fsync ", "rename ", "mkdir "].contains { call.hasPrefix($0) }
                || call.hasPrefix("open tmp/")
        }
    }
}
