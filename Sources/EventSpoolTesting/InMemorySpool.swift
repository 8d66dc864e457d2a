public import EventSpool
import Synchronization

public import struct Foundation.Date

/// A ``Spool`` in memory, for tests: a real conformer, not a mock. It keeps the promises every spool keeps —
/// a put creates a new object and never replaces one, a replace is atomic, listings are in key order and
/// stream, the sweeper's lease is exclusive (within the process), ordering-key marks are released only by a
/// compare-and-delete no put can come between, limits refuse a put — and stores objects in the spool's object
/// format, so sizes and damage behave as on disk. Nothing survives the process.
///
/// Its sweeper lease expires after `leaseDuration` of the clock's time unless renewed, like an object store's
/// lease, so a test can lose a lease mid-pass by moving a ``ManualWallClock``; without a duration it is held
/// until released, like ``DirectorySpool``'s lock.
///
/// ```swift
/// let spool = InMemorySpool(clock: ManualWallClock(start))
/// let sweeper = try Sweeper(configuration: configuration, spool: spool, logger: logger)
/// ```
public final class InMemorySpool: Spool {
    public let configuration: SpoolConfiguration
    let clock: any WallClock
    let leaseDuration: Duration?
    private let keys: SpoolKeySource
    let store = Mutex(Store())

    /// What the spool holds, changed only under its lock.
    struct Store {
        /// Each state's objects (encoded) by key, and their keys in order.
        var objects: [SpoolState: [SpoolKey: [UInt8]]] = [:]
        var orderedKeys: [SpoolState: [SpoolKey]] = [:]
        /// Ordering-key marks: whether a put set the mark since the last ``beginOrderingKeyRelease()``.
        var marks: [String: Bool] = [:]
        /// The current lease: its number (every acquisition takes a new one) and when it expires.
        var lease: (epoch: UInt64, expiresAt: Date?)?
        var lastEpoch: UInt64 = 0
    }

    /// A spool in memory.
    ///
    /// - Parameters:
    ///   - configuration: Its ``SpoolConfiguration/directory`` only names the spool in reports; its limits and
    ///     ``SpoolConfiguration/maxEventsPerObject`` apply as on disk.
    ///   - clock: The wall clock for keys and lease expiry.
    ///   - leaseDuration: How long the sweeper's lease lasts without a renewal; `nil`: until released.
    public init(
        configuration: SpoolConfiguration = SpoolConfiguration(directory: "memory"),
        clock: any WallClock = SystemWallClock(),
        leaseDuration: Duration? = nil
    ) {
        self.configuration = configuration
        self.clock = clock
        self.leaseDuration = leaseDuration
        keys = SpoolKeySource(clock: clock)
    }

    // MARK: - Objects

    public func put(_ events: [SpooledEvent]) async throws(SpoolError) -> SpoolKey {
        guard events.count <= max(1, configuration.maxEventsPerObject) else {
            throw error(
                .invalidObject,
                "put",
                "",
                "\(events.count) events; an object holds at most \(configuration.maxEventsPerObject)"
            )
        }
        let bytes = try encode(events, "put")
        let orderingKeys = Set(events.compactMap(\.event.orderingKey))
        return try store.withLock { store throws(SpoolError) in
            try checkLimits(store, adding: bytes.count)
            let key = keys.next(after: store.orderedKeys[.pending]?.last)
            store.insert(bytes, key: key, in: .pending)
            for orderingKey in orderingKeys { store.marks[orderingKey] = true }
            return key
        }
    }

    public func get(_ key: SpoolKey, in state: SpoolState) async throws(SpoolError) -> SpoolObject {
        let bytes = try read(key, in: state, "get")
        do {
            return SpoolObject(key: key, state: state, events: try SpoolObjectFormat.decodeObject(bytes))
        } catch {
            throw self.error(.corrupt, "get", path(key, in: state), error.reason)
        }
    }

    public func header(_ key: SpoolKey, in state: SpoolState) async throws(SpoolError) -> SpoolObjectHeader {
        let bytes = try read(key, in: state, "header")
        do {
            return try SpoolObjectHeader(
                decoding: Array(bytes.prefix(SpoolObjectFormat.headerSize)),
                objectSize: bytes.count
            )
        } catch {
            throw self.error(.corrupt, "header", path(key, in: state), error.reason)
        }
    }

    public func replace(_ object: SpoolObject) async throws(SpoolError) {
        let bytes = try encode(object.events, "replace")
        store.withLock { store in
            store.insert(bytes, key: object.key, in: object.state)
            if object.state == .pending {
                for orderingKey in object.events.compactMap(\.event.orderingKey) { store.marks[orderingKey] = true }
            }
        }
    }

    public func delete(_ key: SpoolKey, in state: SpoolState) async throws(SpoolError) {
        try store.withLock { store throws(SpoolError) in
            guard store.remove(key, in: state) != nil else {
                throw error(.notFound, "delete", path(key, in: state), "no such object")
            }
        }
    }

    public func move(_ key: SpoolKey, from source: SpoolState, to destination: SpoolState) async throws(SpoolError) {
        _ = try moveObject(key, from: source, to: destination)
    }

    public func quarantine(_ key: SpoolKey, from state: SpoolState) async throws(SpoolError) -> SpoolKey {
        try moveObject(key, from: state, to: .quarantine)
    }

    public func list(_ state: SpoolState, prefix: String) -> any AsyncSequence<SpoolEntry, SpoolError> {
        InMemorySpoolListing(spool: self, state: state, prefix: prefix)
    }

    /// Moves in one step under the lock; into `quarantine/` never over an object there (`<key>~2`, …).
    private func moveObject(
        _ key: SpoolKey,
        from source: SpoolState,
        to destination: SpoolState
    ) throws(SpoolError) -> SpoolKey {
        guard source != destination else { return key }
        return try store.withLock { store throws(SpoolError) in
            guard let bytes = store.objects[source]?[key] else {
                throw error(.notFound, "move", path(key, in: source), "no such object")
            }
            var moved = destination == .quarantine ? key.quarantineName(1) : key.objectKey
            var number = 1
            while store.objects[destination]?[moved] != nil {
                guard destination == .quarantine, number < SpoolKey.maxQuarantineNumber else {
                    throw error(.alreadyExists, "move", path(moved, in: destination), "an object is there already")
                }
                number += 1
                moved = key.quarantineName(number)
            }
            if destination == .pending, let events = try? SpoolObjectFormat.decodeObject(bytes) {
                // A replayed object's ordering keys are waiting again.
                for orderingKey in events.compactMap(\.event.orderingKey) { store.marks[orderingKey] = true }
            }
            store.remove(key, in: source)
            store.insert(bytes, key: moved, in: destination)
            return moved
        }
    }

    // MARK: - Ordering keys

    public func hasWaitingEvents(orderingKey: String) async throws(SpoolError) -> Bool {
        store.withLock { $0.marks[orderingKey] != nil }
    }

    public func beginOrderingKeyRelease() async throws(SpoolError) {
        store.withLock { store in
            for orderingKey in store.marks.keys { store.marks[orderingKey] = false }
        }
    }

    public func releaseOrderingKeys(keeping: Set<String>) async throws(SpoolError) {
        store.withLock { store in
            // One step under the lock: no put comes between the check and the removal.
            store.marks = store.marks.filter { orderingKey, setSince in setSince || keeping.contains(orderingKey) }
            for orderingKey in keeping { store.marks[orderingKey] = true }
        }
    }

    // MARK: - Usage and leftovers

    public func occupancy(of state: SpoolState) async throws(SpoolError) -> SpoolOccupancy {
        store.withLock { $0.occupancy(of: state) }
    }

    /// Nothing is ever left behind in memory.
    public func removeLeftovers(before cutoff: Date) async throws(SpoolError) -> Int { 0 }

    // MARK: - Helpers

    private func read(_ key: SpoolKey, in state: SpoolState, _ operation: String) throws(SpoolError) -> [UInt8] {
        guard let bytes = store.withLock({ $0.objects[state]?[key] }) else {
            throw error(.notFound, operation, path(key, in: state), "no such object")
        }
        return bytes
    }

    private func encode(_ events: [SpooledEvent], _ operation: String) throws(SpoolError) -> [UInt8] {
        guard !events.isEmpty else {
            throw error(.invalidObject, operation, "", "an object needs at least one event")
        }
        do {
            return SpoolObjectFormat.encodeObject([try SpoolObjectFormat.encodeRecords(events)])
        } catch {
            throw self.error(.invalidObject, operation, "", error.reason)
        }
    }

    private func checkLimits(_ store: Store, adding bytes: Int) throws(SpoolError) {
        let limits = configuration.limits
        let pending = store.occupancy(of: .pending)
        if pending.objects + 1 > limits.maxObjects {
            throw error(
                .full,
                "put",
                "pending",
                "the spool is full: it holds \(pending.objects) objects (spool.maxObjects)"
            )
        }
        if pending.bytes + Int64(bytes) > limits.maxBytes {
            throw error(.full, "put", "pending", "the spool is full: \(pending.bytes) bytes held (spool.maxBytes)")
        }
    }

    func path(_ key: SpoolKey, in state: SpoolState) -> String {
        "\(state.rawValue)/\(key.rawValue)"
    }

    func error(_ code: SpoolError.Code, _ operation: String, _ path: String, _ message: String) -> SpoolError {
        SpoolError(code: code, operation: operation, path: "\(configuration.directory):\(path)", message: message)
    }
}

extension InMemorySpool.Store {
    mutating func insert(_ bytes: [UInt8], key: SpoolKey, in state: SpoolState) {
        if objects[state, default: [:]].updateValue(bytes, forKey: key) == nil {
            var ordered = orderedKeys[state, default: []]
            ordered.insert(key, at: ordered.partitioningIndex { $0 > key })
            orderedKeys[state] = ordered
        }
    }

    @discardableResult
    mutating func remove(_ key: SpoolKey, in state: SpoolState) -> [UInt8]? {
        guard let bytes = objects[state]?.removeValue(forKey: key) else { return nil }
        orderedKeys[state]?.removeAll { $0 == key }
        return bytes
    }

    func occupancy(of state: SpoolState) -> SpoolOccupancy {
        let held = objects[state] ?? [:]
        return SpoolOccupancy(objects: held.count, bytes: held.values.reduce(0) { $0 + Int64($1.count) })
    }
}

extension Array where Element: Comparable {
    /// The first index whose element satisfies `belongsAfter` (which must be false, then true, along the array).
    fileprivate func partitioningIndex(where belongsAfter: (Element) -> Bool) -> Int {
        var low = 0
        var high = count
        while low < high {
            let middle = (low + high) / 2
            if belongsAfter(self[middle]) { high = middle } else { low = middle + 1 }
        }
        return low
    }
}
