import EventSpoolTesting
import Foundation
import InMemoryLogging
import Logging
import Testing

@testable import EventSpool
@testable import EventSpoolModel
@testable import EventSpoolStorage

/// What stands where the spool writes in place — `newest-key`, the lock files, the ordering-key marks — may not
/// be a file of the spool's: a hard link to a file elsewhere, a folder, a FIFO. The spool never writes or sets
/// times through it, and a damaged mark neither stops the release of the others nor goes unreported.
@Suite(.timeLimit(.minutes(1))) struct SpoolPlantedEntryTests {
    static let outsideTime = spoolTestDate(2026, 1, 1, 0, 0, 0)
    static let outsideText = String(repeating: "setting = 1\n", count: 8)

    /// A file outside the spool with known contents and modification time.
    static func outsideFile(_ context: SpoolTestContext) throws -> String {
        let path = context.base + "/victim.conf"
        try Data(outsideText.utf8).write(to: URL(fileURLWithPath: path))
        try FileManager.default.setAttributes([.modificationDate: outsideTime], ofItemAtPath: path)
        return path
    }

    /// Whether the outside file still has its contents and modification time.
    static func isUntouched(_ path: String) throws -> Bool {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return try String(contentsOfFile: path, encoding: .utf8) == outsideText
            && (attributes[.modificationDate] as? Date) == outsideTime
    }

    static func event(_ index: Int, orderingKey: String) -> SpooledEvent {
        SpoolOrderingKeyTests.event(index, orderingKey: orderingKey)
    }

    /// `newest-key` is written in place by every put, and `ordering.lock` and `sweeper.lock` are locked: each must
    /// be the spool's own file, not a second name of a file elsewhere (nor a FIFO, which a read-only open would
    /// wait on).
    @Test(arguments: [SpoolFolders.newestKeyFile, SpoolFolders.orderingLockFile, "sweeper.lock"])
    func aLockFileThatIsAHardLinkIsRefused(name: String) async throws {
        try await withSpoolTest { context in
            try await context.open().shutdown()
            let outside = try Self.outsideFile(context)
            let path = context.spoolPath + "/" + name
            unlink(path)
            #expect(link(outside, path) == 0)

            let spool = try context.open(clock: ManualWallClock(spoolTestTime))
            let error = try #require(
                await spoolError {
                    if name == "sweeper.lock" {
                        _ = try spool.tryLock(named: name)
                    } else {
                        _ = try await spool.put([Self.event(1, orderingKey: "customer-7")])
                    }
                }
            )
            #expect(error.code == .unsafe && error.path == path, "\(error)")
            #expect(error.message.contains("2 names"), "\(error)")
            #expect(try Self.isUntouched(outside))
            #expect(try await spool.keys(in: .pending).isEmpty)
            await spool.shutdown()
        }
    }

    @Test(arguments: ["a FIFO", "a directory"])
    func aNewestKeyThatIsNoRegularFileIsRefused(kind: String) async throws {
        try await withSpoolTest { context in
            try await context.open().shutdown()
            let path = context.spoolPath + "/" + SpoolFolders.newestKeyFile
            unlink(path)
            #expect(kind == "a FIFO" ? mkfifo(path, 0o600) == 0 : mkdir(path, 0o700) == 0)
            let spool = try context.open()
            let error = try #require(await spoolError { _ = try await spool.put([spoolTestEvent(1)]) })
            #expect(error.code == .unsafe && error.path == path && error.message.contains(kind), "\(error)")
            await spool.shutdown()
        }
    }

    /// A sweep clears every mark (sets its time to 1970) and a put sets it: through a hard link that would change
    /// a file elsewhere. A hard-linked mark is left alone — its name alone keeps its key marked, which is safe —
    /// and a release reports it.
    @Test func aMarkThatIsAHardLinkIsNeverTouchedThrough() async throws {
        try await withSpoolTest { context in
            let spool = try context.open(clock: ManualWallClock(spoolTestTime))
            let outside = try Self.outsideFile(context)
            let mark = context.spoolPath + "/ordering/" + SpoolFolders.markName("anykey")
            #expect(link(outside, mark) == 0)

            try await spool.beginOrderingKeyRelease()
            #expect(try Self.isUntouched(outside), "the sweep set the time of a file outside the spool")
            let error = try #require(await spoolError { try await spool.releaseOrderingKeys(keeping: []) })
            #expect(error.code == .unsafe && error.path == mark && error.message.contains("2 names"), "\(error)")

            let key = try await spool.put([Self.event(1, orderingKey: "anykey")])
            #expect(try Self.isUntouched(outside), "a put set the time of a file outside the spool")
            #expect(try await spool.get(key, in: .pending).events == [Self.event(1, orderingKey: "anykey")])
            #expect(try await spool.hasWaitingEvents(orderingKey: "anykey"))
            #expect(context.messages(atLeast: .warning).contains { $0.path == mark })
            await spool.shutdown()
        }
    }

    /// A folder named like a mark cannot be cleared or removed. The release of every other mark still happens;
    /// then the release fails, naming the folder. (The folder keeps its key marked: slower, never out of order.)
    @Test func aFolderNamedLikeAMarkDoesNotStopTheReleaseOfTheOthers() async throws {
        try await withSpoolTest { context in
            let spool = try context.open(clock: ManualWallClock(spoolTestTime))
            let keys = (0..<20).map { "delivered-\($0)" }
            for (index, orderingKey) in keys.enumerated() {
                try await spool.delete(try await spool.put([Self.event(index, orderingKey: orderingKey)]), in: .pending)
            }
            let folder = context.spoolPath + "/ordering/" + SpoolFolders.markName("zzz")
            #expect(mkdir(folder, 0o700) == 0)

            try await spool.beginOrderingKeyRelease()
            let error = try #require(await spoolError { try await spool.releaseOrderingKeys(keeping: []) })
            #expect(error.code == .unsafe && error.path == folder && error.message.contains("a directory"), "\(error)")
            for orderingKey in keys {
                #expect(try await !spool.hasWaitingEvents(orderingKey: orderingKey), "\(orderingKey) kept its mark")
            }
            #expect(try await spool.hasWaitingEvents(orderingKey: "zzz"))
            await spool.shutdown()
        }
    }

    /// A sweep whose release of the marks fails says so in its report, which then needs attention: otherwise the
    /// marks stay, and every later event of their keys is spooled instead of sent, with nobody told.
    @Test(arguments: ["mark", SpoolFolders.orderingLockFile])
    func aSweepThatCannotReleaseTheMarksReportsIt(folderInPlaceOf entry: String) async throws {
        try await SweeperFixture.with { fixture in
            try await withTestBroker { broker in
                try await fixture.spoolEach([testEvent("w-1", orderingKey: "w")])
                let name = entry == "mark" ? "ordering/" + SpoolFolders.markName("zzz") : entry
                let path = fixture.directory + "/" + name
                unlink(path)
                #expect(mkdir(path, 0o700) == 0)

                let report = try await fixture.withSweeper(fixture.configuration(broker: broker)) { sweeper in
                    await sweeper.sweep()
                }
                #expect(report.delivered == 1)
                let failure = try #require(report.failure, "\(report)")
                #expect(failure.contains(path), "\(failure)")
                #expect(report.needsAttention)
                if entry == "mark" {
                    #expect(try await !fixture.spool.hasWaitingEvents(orderingKey: "w"))
                }
            }
        }
    }

    /// A name read from disk reaches a log record only escaped: a raw ESC would drive the terminal of whoever
    /// reads the log, and a line break would forge a second record.
    @Test func namesWithControlCharactersAreEscapedInLogsAndErrors() async throws {
        try await withSpoolTest { context in
            let spool = try context.open(clock: ManualWallClock(spoolTestTime))
            let key = try await spool.put([spoolTestEvent(1)])
            let folder = (spool.path(of: key, in: .pending) as NSString).deletingLastPathComponent
            let name = "evil\u{1B}]0;pwned\u{07}\u{1B}[31mRED\nforged line"
            #expect(FileManager.default.createFile(atPath: folder + "/" + name + ".evs", contents: Data()))
            #expect(FileManager.default.createFile(atPath: context.spoolPath + "/tmp/" + name, contents: Data()))
            _ = try await spool.keys(in: .pending)
            try await context.open().shutdown()  // removes the leftover in tmp/, and says so

            let paths = context.logs.entries.compactMap { $0.metadata["spool.path"].map { "\($0)" } }
            #expect(paths.filter { $0.contains("evil") }.count == 2, "\(paths)")
            #expect(paths.allSatisfy { !$0.unicodeScalars.contains { LoggedText.mustBeEscaped($0) } }, "\(paths)")
            #expect(paths.contains { $0.hasSuffix(#"evil\u{1B}]0;pwned\u{7}\u{1B}[31mRED\nforged line.evs"#) })

            let error = SpoolError(code: .io, operation: "open", path: folder + "/" + name, message: "failed")
            #expect(!error.description.unicodeScalars.contains { LoggedText.mustBeEscaped($0) }, "\(error)")
            await spool.shutdown()
        }
    }
}
