import EventSpoolModel
import EventSpoolSystem
public import Logging
import SystemPackage

import struct Foundation.Date

/// A ``Spool`` in a local directory (the layout and object format are in `docs/spool-format.md`).
///
/// Blocking file I/O runs on threads the spool owns — one writer thread that group-commits concurrent
/// puts, and a few I/O threads for reads, moves and listings — never on Swift's cooperative pool.
/// Call ``shutdown()`` when done: it waits for accepted puts to become durable, then stops the threads.
///
/// ```swift
/// let configuration = SpoolConfiguration(directory: "/var/spool/orders")
/// let spool = try DirectorySpool(configuration: configuration, logger: logger)
/// let key = try await spool.put([SpooledEvent(event: event, delivery: DeliveryRecord(spooledAt: .now))])
/// for try await entry in spool.list(.pending) { … }
/// await spool.shutdown()
/// ```
public final class DirectorySpool: Spool {
    /// The spool's configuration.
    public let configuration: SpoolConfiguration

    let directory: SpoolFolders
    /// Opened with ``openForReading(configuration:logger:)``: every call that would write throws.
    let isReadOnly: Bool
    let clock: any WallClock
    private let keys: SpoolKeySource
    private let usage: SpoolUsage
    let writer: SpoolWriter
    private let threads = IOThreadPool(name: "EventSpool.spool-io", threadCount: 2)

    /// Opens (creating when missing) the spool directory and removes stale `tmp/` leftovers.
    ///
    /// Opening makes a few blocking system calls (mkdir, fsync, a scan of `tmp/`): do it at start-up.
    ///
    /// - Throws: ``SpoolError`` when the directory cannot be created or is unsafe to use: owned by another
    ///   user or writable by group or others (see ``SpoolConfiguration/allowUnsafePermissions``), or with a
    ///   symbolic link where one of its folders should be.
    public convenience init(
        configuration: SpoolConfiguration,
        clock: any WallClock = SystemWallClock(),
        logger: Logger
    ) throws(SpoolError) {
        try self.init(configuration: configuration, clock: clock, logger: logger, syscalls: .live)
    }

    /// Opens the spool making its system calls through `syscalls` (tests record or fail them).
    convenience init(
        configuration: SpoolConfiguration,
        clock: any WallClock,
        logger: Logger,
        syscalls: Syscalls
    ) throws(SpoolError) {
        let directory = try SpoolFolders(
            path: configuration.directory,
            allowUnsafePermissions: configuration.allowUnsafePermissions,
            syscalls: syscalls,
            logger: logger
        )
        self.init(configuration: configuration, directory: directory, clock: clock, isReadOnly: false)
        directory.removeStaleTemporaryFiles(now: clock.now, maximumAge: configuration.staleTemporaryFileAge)
    }

    /// A spool over a directory already opened, for writing or (``openForReading(configuration:logger:)``)
    /// for reading only.
    init(configuration: SpoolConfiguration, directory: SpoolFolders, clock: any WallClock, isReadOnly: Bool) {
        self.configuration = configuration
        self.directory = directory
        self.isReadOnly = isReadOnly
        self.clock = clock
        // A process that starts after the clock stepped back still makes keys after those already spooled.
        keys = SpoolKeySource(clock: clock, after: directory.newestKey(in: .pending), logger: directory.logger)
        usage = SpoolUsage(limits: configuration.limits)
        writer = SpoolWriter(
            directory: directory,
            usage: usage,
            keys: keys,
            clock: clock,
            maxEventsPerObject: configuration.maxEventsPerObject
        )
    }

    deinit {
        writer.stopSoon()
        threads.stopSoon()
    }

    /// Writes `events` as one new object in `pending/` — or, when other puts are waiting at the same time,
    /// into one object together with theirs (group commit).
    ///
    /// - Important: Returns only once the object holding the events is on stable storage: written, flushed,
    ///   renamed to its key and its folder flushed. When it throws, no part of the events is visible.
    /// - Throws: ``SpoolError``: `.full` when a limit (`spool.maxBytes`, `spool.maxObjects`) is reached,
    ///   `.invalidObject` for no events or more than an object holds, `.io` when a system call failed.
    public func put(_ events: [SpooledEvent]) async throws(SpoolError) -> SpoolKey {
        try requireWritable("put")
        let records = try encode(events, operation: "put")
        return try await writer.write(records, orderingKeys: Self.orderingKeys(of: events)).get()
    }

    public func get(_ key: SpoolKey, in state: SpoolState) async throws(SpoolError) -> SpoolObject {
        let events = try await onIOThread("get") { [directory] () throws(SpoolError) in
            try directory.readObject(key, in: state)
        }
        return SpoolObject(key: key, state: state, events: events)
    }

    public func header(_ key: SpoolKey, in state: SpoolState) async throws(SpoolError) -> SpoolObjectHeader {
        try await onIOThread("header") { [directory] () throws(SpoolError) in
            try directory.readHeader(key, in: state)
        }
    }

    /// Atomically writes `object` under its key and state, replacing the object there if there is one
    /// (the sweeper creates dead objects this way).
    ///
    /// - Important: Returns only once the new object is on stable storage; readers see the old object or
    ///   the new one, never a mix.
    public func replace(_ object: SpoolObject) async throws(SpoolError) {
        try requireWritable("replace")
        let bytes = SpoolObjectFormat.encodeObject([try encode(object.events, operation: "replace")])
        let orderingKeys = object.state == .pending ? Self.orderingKeys(of: object.events) : []
        try await onIOThread("replace") { [directory, keys, usage, clock] () throws(SpoolError) in
            let oldSize: Int64?
            do throws(SpoolError) {
                oldSize = try directory.objectSize(SpoolFolders.objectPath(object.key, in: object.state))
            } catch let error where error.code == .notFound {
                oldSize = nil
            }
            try directory.withOrderingKeysMarked(orderingKeys, at: clock.now) { () throws(SpoolError) in
                try directory.writeObject(
                    bytes,
                    key: object.key,
                    in: object.state,
                    temporaryName: keys.nextTemporaryName(),
                    mode: .replace
                )
            }
            if object.state == .pending {
                usage.adjust(bytes: Int64(bytes.count) - (oldSize ?? 0), objects: oldSize == nil ? 1 : 0)
            }
        }
    }

    /// Removes an object. Not followed by a folder fsync: a crash may bring it back, which only means its
    /// events are delivered once more with the same ids (at-least-once).
    public func delete(_ key: SpoolKey, in state: SpoolState) async throws(SpoolError) {
        try requireWritable("delete")
        try await onIOThread("delete") { [directory, usage] () throws(SpoolError) in
            let size = try directory.delete(key, in: state)
            if state == .pending {
                usage.adjust(bytes: -size, objects: -1)
            }
        }
    }

    /// Renames an object into another state's folder (`quarantine/` is flat) and flushes both folders.
    /// A symbolic link or other non-regular file named like an object is moved itself, never followed.
    /// Into `quarantine/`, see ``quarantine(_:from:)``.
    public func move(_ key: SpoolKey, from source: SpoolState, to destination: SpoolState) async throws(SpoolError) {
        _ = try await moveObject(key, from: source, to: destination)
    }

    /// Moves a damaged object to `quarantine/`, under its key, or under `<key>~2`, `<key>~3`, … when a damaged
    /// object of that key is already there (one from `dead/`, then one from `pending/`): never over it.
    ///
    /// - Returns: The object's key in `quarantine/`.
    public func quarantine(_ key: SpoolKey, from source: SpoolState) async throws(SpoolError) -> SpoolKey {
        try await moveObject(key, from: source, to: .quarantine)
    }

    private func moveObject(
        _ key: SpoolKey,
        from source: SpoolState,
        to destination: SpoolState
    ) async throws(SpoolError) -> SpoolKey {
        guard source != destination else { return key }
        try requireWritable("move")
        return try await onIOThread("move") { [directory, usage, clock] () throws(SpoolError) in
            var orderingKeys = Set<String>()
            if destination == .pending {
                // A replayed object's ordering keys are waiting again. An object too damaged to tell has
                // none that can be delivered.
                if (try? directory.readHeader(key, in: source).orderingKeys) != [],
                    let events = try? directory.readObject(key, in: source)
                {
                    orderingKeys = Self.orderingKeys(of: events)
                }
            }
            let (size, moved) = try directory.withOrderingKeysMarked(orderingKeys, at: clock.now) {
                () throws(SpoolError) in
                try directory.move(key, from: source, to: destination)
            }
            if source == .pending {
                usage.adjust(bytes: -size, objects: -1)
            } else if destination == .pending {
                usage.adjust(bytes: size, objects: 1)
            }
            return moved
        }
    }

    /// Lists the objects in `state` in key order, reading one minute folder at a time.
    ///
    /// Files whose names are not `<key>.evs` are skipped with a warning. Entries named like an object are
    /// listed whatever they are, so a symbolic link or FIFO planted there fails ``get(_:in:)`` as `.unsafe`
    /// and can be moved to quarantine.
    public func list(_ state: SpoolState, prefix: String) -> any AsyncSequence<SpoolEntry, SpoolError> {
        SpoolListing(
            walk: SpoolFolderWalk(directory: directory, state: state, prefix: prefix),
            threads: threads,
            owner: self
        )
    }

    /// Whether `ordering/` holds the mark of `orderingKey`: set by every put of an event with that key,
    /// removed by ``releaseOrderingKeys(keeping:)`` once a sweeper found no such event left.
    public func hasWaitingEvents(orderingKey: String) async throws(SpoolError) -> Bool {
        try await onIOThread("stat") { [directory] () throws(SpoolError) in
            try directory.hasOrderingMark(orderingKey)
        }
    }

    /// Clears every ordering-key mark, so that ``releaseOrderingKeys(keeping:)`` can tell the marks a put set
    /// since (see `docs/spool-format.md`, "Ordering-key marks").
    public func beginOrderingKeyRelease() async throws(SpoolError) {
        try requireWritable("release")
        _ = try await onIOThread("release") { [directory] () throws(SpoolError) in
            try directory.clearOrderingMarks()
        }
    }

    /// Removes the marks of ordering keys not in `keeping` that no put set since
    /// ``beginOrderingKeyRelease()`` — each with a compare-and-delete no put can come between — and marks
    /// every key in `keeping` (a crash may have lost one).
    public func releaseOrderingKeys(keeping: Set<String>) async throws(SpoolError) {
        try requireWritable("release")
        _ = try await onIOThread("release") { [directory, clock] () throws(SpoolError) in
            try directory.releaseOrderingMarks(keeping: keeping, now: clock.now)
        }
    }

    /// The path of the object `key` in `state`, as configured (for messages and tools).
    package func path(of key: SpoolKey, in state: SpoolState) -> String {
        directory.displayPath(SpoolFolders.objectPath(key, in: state))
    }

    /// Stops the writer thread after the writes already accepted are durable, then the I/O threads.
    /// Later calls throw.
    public func shutdown() async {
        await writer.shutdown()
        await threads.shutdown()
    }

    private static func orderingKeys(of events: [SpooledEvent]) -> Set<String> {
        Set(events.compactMap(\.event.orderingKey))
    }

    private func encode(_ events: [SpooledEvent], operation: String) throws(SpoolError) -> SpoolObjectFormat.Records {
        guard !events.isEmpty else {
            throw SpoolError(
                code: .invalidObject,
                operation: operation,
                path: directory.path,
                message: "an object needs at least one event"
            )
        }
        do {
            return try SpoolObjectFormat.encodeRecords(events)
        } catch {
            throw SpoolError(code: .invalidObject, operation: operation, path: directory.path, message: error.reason)
        }
    }

    /// Runs blocking work on the spool's I/O threads.
    func onIOThread<Value: Sendable>(
        _ operation: String,
        _ body: @escaping @Sendable () throws(SpoolError) -> Value
    ) async throws(SpoolError) -> Value {
        let result = await threads.run { Result(catching: body) }
        guard let result else { throw .shutDown(operation, path: directory.path) }
        return try result.get()
    }
}
