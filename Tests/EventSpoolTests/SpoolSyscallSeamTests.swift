import Foundation
import SystemPackage
import TestSupport
import Testing

@testable import EventSpool
@testable import EventSpoolStorage
@testable import EventSpoolSystem

/// The syscall seam itself, and the calls a spool makes when it opens: the recorder proves the spool asks for
/// each durability step; these prove the live seam really makes the calls, and that opening a new spool
/// flushes every folder it creates and the folder that holds it.
@Suite struct SpoolSyscallSeamTests {
    /// The flushes and folder creations, in order, without the `mkdir`s that found a folder in place.
    static func folderSteps(_ calls: [String]) -> [String] {
        calls.filter { $0.hasPrefix("fsync ") || $0.hasPrefix("mkdir ") }
    }

    @Test func openingANewSpoolFlushesEachNewFolderThenItsParent() async throws {
        try await withSpoolTest { context in
            let recorder = SpoolSyscallRecorder(root: context.spoolPath)
            let spool = try context.open(syscalls: recorder.syscalls)
            await spool.shutdown()

            // Levels above the spool that exist already are only tried; the new spool directory is flushed, then
            // the folder that holds it (its entry there), then each state folder and the spool directory again.
            let above = context.base.split(separator: "/").reduce(into: [String]()) { paths, part in
                paths.append((paths.last ?? "") + "/" + part)
            }
            let folders = SpoolState.allCases.map(\.rawValue) + ["tmp", "ordering"]
            #expect(
                Self.folderSteps(recorder.calls)
                    == above.map { "mkdir \($0)" } + ["mkdir .", "fsync .", "fsync \(context.base)"]
                    + folders.flatMap { ["mkdir \($0)", "fsync \($0)", "fsync ."] }
            )
        }
    }

    @Test func openingASpoolThatLacksAFolderMakesAndFlushesOnlyThat() async throws {
        try await withSpoolTest { context in
            try await context.open().shutdown()
            try FileManager.default.removeItem(atPath: context.spoolPath + "/ordering")  // an older layout
            let recorder = SpoolSyscallRecorder(root: context.spoolPath)
            try await context.open(syscalls: recorder.syscalls).shutdown()
            #expect(
                Self.folderSteps(recorder.calls)
                    == (SpoolState.allCases.map(\.rawValue) + ["tmp"]).map { "mkdir \($0)" }
                    + ["mkdir ordering", "fsync ordering", "fsync ."]
            )
        }
    }

    @Test func aSpoolRefusedAtOpenClosesItsDirectoryOnce() async throws {
        try await withSpoolTest { context in
            try FileManager.default.createDirectory(atPath: context.spoolPath, withIntermediateDirectories: false)
            #expect(chmod(context.spoolPath, 0o770) == 0)
            let recorder = SpoolSyscallRecorder(root: context.spoolPath)
            #expect(throws: SpoolError.self) { _ = try context.open(syscalls: recorder.syscalls) }
            // A second close would close whatever another thread had opened under that number meanwhile.
            #expect(recorder.calls.filter { $0.hasPrefix("close ") } == ["close ."], "\(recorder.calls)")
        }
    }

    /// A mutant seam that skipped a call (`synchronizeData: { _ in }`) would pass every recorder test; here
    /// each live entry must have its real effect, and fail as the real call fails.
    @Test func theLiveSeamMakesTheRealCalls() throws {
        try withSpoolTestSync { context in
            let live = Syscalls.live
            let folder = try live.open(
                FileDescriptor.currentWorkingDirectory,
                FilePath(context.base),
                .readOnly,
                [.directory],
                nil
            )
            defer { try? live.close(folder) }
            let file = try live.open(folder, "f", .readWrite, [.create, .exclusiveCreate], .ownerReadWrite)
            #expect(throws: Errno.fileExists) {
                _ = try live.open(folder, "f", .readWrite, [.create, .exclusiveCreate], .ownerReadWrite)
            }
            #expect(try Array("abc".utf8).withUnsafeBytes { try live.write(file, $0) } == 3)
            #expect(try Array("X".utf8).withUnsafeBytes { try live.writeAt(file, $0, 1) } == 1)
            var buffer = [UInt8](repeating: 0, count: 8)
            let count = try buffer.withUnsafeMutableBytes { try live.read(file, $0, 0) }
            #expect(String(decoding: buffer.prefix(count), as: UTF8.self) == "aXc")
            #expect(try live.status(file).size == 3)
            try live.synchronize(file)
            try live.synchronizeData(file)

            try live.setTimes(file, 1_000_000.5)
            let times = try FileManager.default.attributesOfItem(atPath: context.base + "/f")
            #expect((times[.modificationDate] as? Date)?.timeIntervalSince1970 == 1_000_000.5)

            // A second open file description of the same file: the lock is the file's, not the descriptor's.
            let other = try live.open(folder, "f", .readOnly, [], nil)
            defer { try? live.close(other) }
            #expect(try live.lock(file, .exclusive, false))
            #expect(try !live.lock(other, .shared, false))
            #expect(try live.lock(file, .unlock, true))
            #expect(try live.lock(other, .shared, false))

            try live.rename(folder, "f", "g", true)
            #expect(FileManager.default.fileExists(atPath: context.base + "/g"))
            try live.makeDirectory(folder, "d", .ownerReadWriteExecute)
            #expect(throws: Errno.fileExists) { try live.makeDirectory(folder, "d", .ownerReadWriteExecute) }
            #expect(throws: Errno.fileExists) { try live.rename(folder, "g", "d", true) }
            try live.removeDirectory(folder, "d")
            #expect(throws: Errno.noSuchFileOrDirectory) { try live.removeDirectory(folder, "d") }
            try live.unlink(folder, "g")
            #expect(throws: Errno.noSuchFileOrDirectory) { try live.unlink(folder, "g") }
            try live.close(file)

            // A descriptor that is not open (-1, not a just-closed number another test may have reused).
            let closed = FileDescriptor(rawValue: -1)
            #expect(throws: Errno.badFileDescriptor) { try live.synchronizeData(closed) }
            #expect(throws: Errno.badFileDescriptor) { try live.synchronize(closed) }
            #expect(throws: Errno.badFileDescriptor) {
                _ = try Array("x".utf8).withUnsafeBytes { try live.write(closed, $0) }
            }
            #expect(throws: Errno.badFileDescriptor) {
                _ = try Array("x".utf8).withUnsafeBytes { try live.writeAt(closed, $0, 0) }
            }
            #expect(throws: Errno.badFileDescriptor) {
                _ = try buffer.withUnsafeMutableBytes { try live.read(closed, $0, 0) }
            }
            #expect(throws: Errno.badFileDescriptor) { _ = try live.lock(closed, .exclusive, false) }
            #expect(throws: Errno.badFileDescriptor) { _ = try live.status(closed) }
            #expect(throws: Errno.badFileDescriptor) { try live.setTimes(closed, 1) }
            #expect(throws: Errno.badFileDescriptor) { try live.close(closed) }
            #expect(throws: Errno.badFileDescriptor) { try live.makeDirectory(closed, "e", .ownerReadWriteExecute) }
            #expect(throws: Errno.badFileDescriptor) { _ = try live.open(closed, "e", .readOnly, [], nil) }
        }
    }
}

/// Runs `body` with a fresh temporary directory and removes it afterwards (for synchronous tests).
func withSpoolTestSync<Result>(_ body: (SpoolTestContext) throws -> Result) throws -> Result {
    let context = try SpoolTestContext()
    defer { context.remove() }
    return try body(context)
}
