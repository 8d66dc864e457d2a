import EventSpoolTesting
import Foundation
import InMemoryLogging
import Logging
import SystemPackage
import Testing

@testable import EventSpool
@testable import EventSpoolStorage

/// The sweeper lock and temporary files.
extension SpoolTests {
    // MARK: Temporary files and the lock

    @Test func theSweeperLockIsExclusiveUntilReleased() async throws {
        try await withSpoolTest { context in
            let spool = try context.open()
            let other = try context.open()
            let lock = try #require(try spool.tryLock(named: "sweeper.lock"))
            #expect(try spool.tryLock(named: "sweeper.lock") == nil)
            #expect(try other.tryLock() == nil)
            #expect(lock.path == context.spoolPath + "/sweeper.lock")
            lock.unlock()
            let second = try #require(try other.tryLock())
            #expect(try spool.tryLock() == nil)
            second.unlock()
            #expect(try spool.tryLock() != nil)  // released again at once by deinit
            #expect(try spool.tryLock() != nil)
            #expect(throws: SpoolError.self) { try spool.tryLock(named: "../escape.lock") }
            await other.shutdown()
            await spool.shutdown()
        }
    }

    /// The three events a put starting with `first` wrote.
    static func threeEvents(from first: SpooledEvent) -> [SpooledEvent] {
        let text = String(decoding: first.event.body, as: UTF8.self)
        let start = Int(text.dropFirst(5).dropLast()) ?? -1
        return (start..<(start + 3)).map { spoolTestEvent($0) }
    }
}
