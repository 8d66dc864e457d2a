import EventSpoolTesting
import Foundation
import InMemoryLogging
import Logging
import SystemPackage
import Testing

@testable import EventSpool
@testable import EventSpoolStorage

/// What the spool refuses: unsafe entries, foreign owners, hostile names.
extension SpoolTests {
    // MARK: Safety

    @Test func aSymbolicLinkInPendingIsNeverFollowed() async throws {
        try await withSpoolTest { context in
            let spool = try context.open(clock: ManualWallClock(spoolTestTime))
            let real = try await spool.put([spoolTestEvent(1)])
            let target = context.base + "/outside.txt"
            try Data("outside the spool".utf8).write(to: URL(fileURLWithPath: target))
            let planted = SpoolKey.make(time: spoolTestTime, processID: 7, nonce: 7, sequence: 7)
            let link = spool.path(of: planted, in: .pending)
            try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)

            #expect(try await spool.keys(in: .pending) == [planted, real].sorted())
            let error = try #require(await spoolError { _ = try await spool.get(planted, in: .pending) })
            #expect(error.code == .unsafe)
            #expect(error.path == link)
            #expect(await spoolError { _ = try await spool.header(planted, in: .pending) }?.code == .unsafe)

            // Quarantine moves the link itself; the target is untouched.
            try await spool.move(planted, from: .pending, to: .quarantine)
            let moved = spool.path(of: planted, in: .quarantine)
            #expect(try FileManager.default.destinationOfSymbolicLink(atPath: moved) == target)
            #expect(try String(contentsOfFile: target, encoding: .utf8) == "outside the spool")
            try await spool.delete(planted, in: .quarantine)
            #expect(try String(contentsOfFile: target, encoding: .utf8) == "outside the spool")
            #expect(try await spool.get(real, in: .pending).events == [spoolTestEvent(1)])
            await spool.shutdown()
        }
    }

    @Test func aFIFOOrFolderNamedLikeAnObjectIsUnsafeNotAHang() async throws {
        try await withSpoolTest { context in
            let spool = try context.open(clock: ManualWallClock(spoolTestTime))
            _ = try await spool.put([spoolTestEvent(1)])
            let fifo = SpoolKey.make(time: spoolTestTime, processID: 8, nonce: 8, sequence: 8)
            let folder = SpoolKey.make(time: spoolTestTime, processID: 9, nonce: 9, sequence: 9)
            #expect(mkfifo(spool.path(of: fifo, in: .pending), 0o600) == 0)
            try FileManager.default.createDirectory(
                atPath: spool.path(of: folder, in: .pending),
                withIntermediateDirectories: false
            )

            for key in [fifo, folder] {
                let error = await spoolError { _ = try await spool.get(key, in: .pending) }
                #expect(error?.code == .unsafe)
                #expect(error?.message.contains("not a regular file") == true)
                try await spool.move(key, from: .pending, to: .quarantine)
            }
            #expect(try await spool.keys(in: .quarantine) == [fifo, folder])
            await spool.shutdown()
        }
    }

    @Test func aSpoolDirectoryWritableByOthersIsRefused() async throws {
        try await withSpoolTest { context in
            try FileManager.default.createDirectory(atPath: context.spoolPath, withIntermediateDirectories: false)
            #expect(chmod(context.spoolPath, 0o777) == 0)
            let error = try #require(throws: SpoolError.self) { _ = try context.open() }
            #expect(error.code == .unsafe)
            #expect(error.path == context.spoolPath)
            #expect(error.message.contains("mode 0777"))
            #expect(error.message.contains("allowUnsafePermissions"))
            #expect(context.names(in: "").isEmpty)  // nothing created in it

            let spool = try context.open(context.configuration(allowUnsafePermissions: true))
            _ = try await spool.put([spoolTestEvent(1)])
            await spool.shutdown()
        }
    }

    @Test(.enabled(if: geteuid() == 0, "only root can give a folder to another user"))
    func aSpoolDirectoryOwnedByAnotherUserIsRefused() async throws {
        try await withSpoolTest { context in
            try FileManager.default.createDirectory(atPath: context.spoolPath, withIntermediateDirectories: false)
            #expect(chmod(context.spoolPath, 0o700) == 0)
            #expect(chown(context.spoolPath, 65534, 65534) == 0)
            let error = try #require(throws: SpoolError.self) { _ = try context.open() }
            #expect(error.code == .unsafe)
            #expect(error.path == context.spoolPath)
            #expect(error.message.contains("owned by uid 65534"))
            #expect(error.message.contains("allowUnsafePermissions"))
            #expect(context.names(in: "").isEmpty)  // nothing created in it
        }
    }

    @Test func aNewSpoolAndItsFoldersArePrivate() async throws {
        try await withSpoolTest { context in
            let spool = try context.open(clock: ManualWallClock(spoolTestTime))
            _ = try await spool.put([spoolTestEvent(1)])
            for folder in ["", "/pending", "/dead", "/quarantine", "/tmp", "/pending/2026/11/26/23/50"] {
                let attributes = try FileManager.default.attributesOfItem(atPath: context.spoolPath + folder)
                #expect((attributes[.posixPermissions] as? Int) == 0o700, "\(folder)")
            }
            await spool.shutdown()
        }
    }

    @Test func aStateFolderThatIsASymbolicLinkIsRefused() async throws {
        try await withSpoolTest { context in
            try FileManager.default.createDirectory(atPath: context.spoolPath, withIntermediateDirectories: false)
            try FileManager.default.createDirectory(
                atPath: context.base + "/elsewhere",
                withIntermediateDirectories: false
            )
            try FileManager.default.createSymbolicLink(
                atPath: context.spoolPath + "/pending",
                withDestinationPath: context.base + "/elsewhere"
            )
            let error = try #require(throws: SpoolError.self) { _ = try context.open() }
            #expect(error.code == .unsafe)
            #expect(error.path == context.spoolPath + "/pending")
        }
    }
}
