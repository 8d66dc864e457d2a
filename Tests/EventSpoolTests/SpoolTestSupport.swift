import Foundation
import InMemoryLogging
import Logging
import Synchronization
import SystemPackage
import TestSupport

@testable import EventSpool
@testable import EventSpoolStorage
@testable import EventSpoolSystem

/// A temporary directory for one spool test, with captured logs; `remove()` deletes it.
struct SpoolTestContext: Sendable {
    /// The temporary directory; the spool is `spool/` inside it, so tests can also put files outside it.
    let base: String
    let logs = InMemoryLogHandler()

    init() throws {
        base = try TemporaryDirectory(prefix: "spool").path
    }

    var spoolPath: String { base + "/spool" }

    var logger: Logger { .recording(into: logs, label: "spool-tests") }

    func configuration(
        limits: SpoolConfiguration.Limits = .init(),
        maxEventsPerObject: Int = 64,
        allowUnsafePermissions: Bool = false
    ) -> SpoolConfiguration {
        SpoolConfiguration(
            directory: spoolPath,
            limits: limits,
            maxEventsPerObject: maxEventsPerObject,
            allowUnsafePermissions: allowUnsafePermissions
        )
    }

    /// Opens the spool in this context.
    func open(
        _ configuration: SpoolConfiguration? = nil,
        clock: any WallClock = SystemWallClock(),
        syscalls: Syscalls = .live
    ) throws -> DirectorySpool {
        try DirectorySpool(
            configuration: configuration ?? self.configuration(),
            clock: clock,
            logger: logger,
            syscalls: syscalls
        )
    }

    /// Log messages at `level` or above, with their `spool.path` metadata.
    func messages(atLeast level: Logger.Level) -> [(message: String, path: String)] {
        logs.entries.filter { $0.level >= level }.map { entry in
            (entry.message.description, entry.metadata["spool.path"].map { "\($0)" } ?? "")
        }
    }

    /// The names in a folder below the spool directory, sorted; empty when it does not exist.
    func names(in folder: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: spoolPath + "/" + folder)) ?? []).sorted()
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: base)
    }
}

/// Runs `body` with a fresh temporary directory and removes it afterwards.
func withSpoolTest<Result>(_ body: (SpoolTestContext) async throws -> Result) async throws -> Result {
    let context = try SpoolTestContext()
    defer { context.remove() }
    return try await body(context)
}

/// A fixed time with a sub-microsecond fraction, so round trips prove times are kept bit for bit.
let spoolTestTime = Date(timeIntervalSince1970: 1_795_737_003.123_456_7)

/// The UTC time `year-month-day hour:minute:seconds`.
func spoolTestDate(_ year: Int, _ month: Int, _ day: Int, _ hour: Int, _ minute: Int, _ seconds: Double) -> Date {
    let days = CivilTime.daysFromCivil(year: year, month: month, day: day)
    return Date(timeIntervalSince1970: Double(days * 86_400 + hour * 3600 + minute * 60) + seconds)
}

/// A small event numbered `index`, with an id made from it.
func spoolTestEvent(_ index: Int, body: [UInt8]? = nil, nextAttemptAt: Date? = nil) -> SpooledEvent {
    SpooledEvent(
        event: Event(
            id: "spool-test-\(index)",
            type: "com.example.test",
            source: "/spool-tests",
            time: spoolTestTime,
            body: body ?? Array(#"{"n":\#(index)}"#.utf8)
        ),
        delivery: DeliveryRecord(spooledAt: spoolTestTime, nextAttemptAt: nextAttemptAt)
    )
}

extension Spool {
    /// Every key in `state`, in listing order.
    func keys(in state: SpoolState, prefix: String = "") async throws -> [SpoolKey] {
        var keys: [SpoolKey] = []
        for try await entry in list(state, prefix: prefix) {
            keys.append(entry.key)
        }
        return keys
    }

    /// Every object in `state`, read whole, in key order.
    func objects(in state: SpoolState) async throws -> [SpoolObject] {
        var objects: [SpoolObject] = []
        for key in try await keys(in: state) {
            objects.append(try await get(key, in: state))
        }
        return objects
    }
}

/// Runs `body` and returns the ``SpoolError`` it throws, or `nil` when it does not throw one.
func spoolError(_ body: () async throws -> Void) async -> SpoolError? {
    do {
        try await body()
        return nil
    } catch {
        return error as? SpoolError
    }
}
