import Foundation
import InMemoryLogging
import Logging
import Synchronization
import SystemPackage

@testable import EventSpool
@testable import EventSpoolStorage
@testable import EventSpoolSystem

/// A temporary directory for one spool test, with captured logs; `remove()` deletes it.
struct SpoolTestContext: Sendable {
    /// The temporary directory; the spool is `spool/` inside it, so tests can also put files outside it.
    let base: String
    let logs = InMemoryLogHandler()

    init() throws {
        let temporary =
            NSTemporaryDirectory().hasSuffix("/") ? String(NSTemporaryDirectory().dropLast()) : NSTemporaryDirectory()
        var template = Array("\(temporary)/eventspool-spool-XXXXXX".utf8CString)
        guard let created = mkdtemp(&template) else {
            throw Errno(rawValue: errno)
        }
        base = String(cString: created)
    }

    var spoolPath: String { base + "/spool" }

    var logger: Logger {
        let handler = logs
        var logger = Logger(label: "spool-tests") { _ in handler }
        logger.logLevel = .debug
        return logger
    }

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

/// A clock the test sets by hand.
final class SpoolTestClock: WallClock {
    private let current: Mutex<Date>

    init(_ date: Date) {
        current = Mutex(date)
    }

    var now: Date { current.withLock { $0 } }

    func set(_ date: Date) {
        current.withLock { $0 = date }
    }
}

/// The real system calls, each recorded as `"<operation> <path>"` (paths relative to the spool
/// directory), with faults a test injects: the next matching call fails with the given errno instead of
/// running.
final class SpoolSyscallRecorder: Sendable {
    private struct Fault {
        var operation: String
        var pathContaining: String
        var errno: Errno
        var remaining: Int
    }

    private struct State {
        var calls: [String] = []
        var paths: [CInt: String] = [:]
        var faults: [Fault] = []
        var beforeRename: (@Sendable (FilePath, FilePath) -> Void)?
        var beforeEveryCall: (@Sendable (String) -> Errno?)?
        var onBlockingLock: (@Sendable (String, Bool) -> Void)?
    }

    private let state = Mutex(State())
    private let root: String

    init(root: String) {
        self.root = root
    }

    /// Every call so far, in order.
    var calls: [String] { state.withLock { $0.calls } }

    func clearCalls() {
        state.withLock { $0.calls = [] }
    }

    /// The next `times` calls of `operation` on a path containing `pathContaining` fail with `errno`.
    func fail(_ operation: String, with errno: Errno, pathContaining: String = "", times: Int = 1) {
        state.withLock {
            $0.faults.append(
                Fault(operation: operation, pathContaining: pathContaining, errno: errno, remaining: times)
            )
        }
    }

    /// Runs `action` just before every rename (for example to remove the destination folder first).
    func beforeRename(_ action: @escaping @Sendable (FilePath, FilePath) -> Void) {
        state.withLock { $0.beforeRename = action }
    }

    /// Runs `action` before every call with the call as it is recorded (`"<operation> <path>"`), on the thread
    /// making it; an errno it returns makes that call fail instead of running. `nil` stops it.
    func beforeEveryCall(_ action: (@Sendable (String) -> Errno?)?) {
        state.withLock { $0.beforeEveryCall = action }
    }

    /// Runs `action` with the call and `true` when a lock call that may wait starts, and `false` when it returns.
    func onBlockingLock(_ action: (@Sendable (String, Bool) -> Void)?) {
        state.withLock { $0.onBlockingLock = action }
    }

    var syscalls: Syscalls {
        let live = Syscalls.live
        return Syscalls(
            open: { directory, path, mode, options, permissions throws(Errno) in
                let name = self.relative(path.string, in: directory)
                try self.record("open", name)
                let file = try live.open(directory, path, mode, options, permissions)
                self.state.withLock { $0.paths[file.rawValue] = name }
                return file
            },
            write: { file, bytes throws(Errno) in
                try self.record("write", self.path(of: file))
                return try live.write(file, bytes)
            },
            read: { file, buffer, offset throws(Errno) in
                try self.record("read", self.path(of: file))
                return try live.read(file, buffer, offset)
            },
            synchronize: { file throws(Errno) in
                try self.record("fsync", self.path(of: file))
                try live.synchronize(file)
            },
            synchronizeData: { file throws(Errno) in
                try self.record("fdatasync", self.path(of: file))
                try live.synchronizeData(file)
            },
            rename: { directory, source, destination, noReplace throws(Errno) in
                // A new key must never replace an object: the flag is part of what is recorded.
                try self.record("rename", "\(source.string) \(destination.string)\(noReplace ? " (no replace)" : "")")
                self.state.withLock { $0.beforeRename }?(source, destination)
                try live.rename(directory, source, destination, noReplace)
            },
            unlink: { directory, path throws(Errno) in
                try self.record("unlink", self.relative(path.string, in: directory))
                try live.unlink(directory, path)
            },
            makeDirectory: { directory, path, permissions throws(Errno) in
                try self.record("mkdir", self.relative(path.string, in: directory))
                try live.makeDirectory(directory, path, permissions)
            },
            removeDirectory: { directory, path throws(Errno) in
                try self.record("rmdir", self.relative(path.string, in: directory))
                try live.removeDirectory(directory, path)
            },
            close: { file throws(Errno) in
                let name = self.state.withLock { $0.paths.removeValue(forKey: file.rawValue) } ?? "?"
                self.state.withLock { $0.calls.append("close \(name)") }
                try live.close(file)
            },
            writeAt: { file, bytes, offset throws(Errno) in
                try self.record("pwrite", self.path(of: file))
                return try live.writeAt(file, bytes, offset)
            },
            lock: { file, kind, waiting throws(Errno) in
                let call = "\(self.path(of: file)) \(kind)\(waiting ? "" : " (no wait)")"
                try self.record("flock", call)
                let observer = waiting && kind != .unlock ? self.state.withLock { $0.onBlockingLock } : nil
                observer?("flock " + call, true)
                defer { observer?("flock " + call, false) }
                return try live.lock(file, kind, waiting)
            },
            status: { file throws(Errno) in
                try self.record("fstat", self.path(of: file))
                return try live.status(file)
            },
            setTimes: { directory, path, seconds throws(Errno) in
                try self.record("utimensat", self.relative(path.string, in: directory))
                try live.setTimes(directory, path, seconds)
            }
        )
    }

    /// `path` as recorded: relative to the spool directory, also when it is relative to a folder opened
    /// below it.
    private func relative(_ path: String, in directory: FileDescriptor) -> String {
        guard !path.hasPrefix("/"), let folder = state.withLock({ $0.paths[directory.rawValue] }) else {
            return relative(path)
        }
        if folder == "." { return path }
        // A folder above the spool directory is recorded with its absolute path, the spool directory as ".".
        return relative(folder.hasSuffix("/") ? folder + path : folder + "/" + path)
    }

    private func relative(_ path: String) -> String {
        if path == root { return "." }
        return path.hasPrefix(root + "/") ? String(path.dropFirst(root.count + 1)) : path
    }

    private func path(of file: FileDescriptor) -> String {
        state.withLock { $0.paths[file.rawValue] } ?? "?"
    }

    /// Records the call, then throws the injected fault if one matches.
    private func record(_ operation: String, _ path: String) throws(Errno) {
        if let action = state.withLock({ $0.beforeEveryCall }), let fault = action("\(operation) \(path)") {
            state.withLock { $0.calls.append("\(operation) \(path)") }
            throw fault
        }
        let fault: Errno? = state.withLock { state in
            state.calls.append("\(operation) \(path)")
            guard
                let index = state.faults.firstIndex(where: {
                    $0.operation == operation && $0.remaining > 0
                        && ($0.pathContaining.isEmpty || path.contains($0.pathContaining))
                })
            else { return nil }
            state.faults[index].remaining -= 1
            return state.faults[index].errno
        }
        if let fault { throw fault }
    }
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
