import EventSpoolModel

public import struct Foundation.Date

/// A durable store of events waiting for delivery, shaped like an object-store bucket: everything a
/// `Publisher` and a `Sweeper` need from storage.
///
/// Every object is written whole or not at all and named by a ``SpoolKey`` whose byte order is
/// publish order. ``DirectorySpool`` keeps objects in a local directory; `InMemorySpool` (in
/// `EventSpoolTesting`) keeps them in memory, for tests; an S3-compatible implementation fits the same shape.
/// Every conformer passes the same conformance tests (`Tests/EventSpoolTests/Conformance/`).
public protocol Spool: Sendable {
    /// The settings the spool was opened with: its ``SpoolConfiguration/directory`` names where it is (in
    /// reports and logs), its ``SpoolConfiguration/limits`` bound `pending/`.
    var configuration: SpoolConfiguration { get }

    /// Writes `events` as one new object in `pending`.
    ///
    /// - Important: Returns only once the object is on stable storage. Concurrent calls may share
    ///   one flush (group commit); each returns after its own events are durable.
    /// - Returns: The key of the new object.
    /// - Throws: ``SpoolError`` when the events are not durably stored; then no part of them is visible.
    func put(_ events: [SpooledEvent]) async throws(SpoolError) -> SpoolKey

    /// Reads and verifies one whole object.
    ///
    /// - Throws: ``SpoolError`` with code `.corrupt` when framing or a checksum is wrong,
    ///   `.unsafe` when the path is not a regular file, `.notFound` when there is no such object.
    func get(_ key: SpoolKey, in state: SpoolState) async throws(SpoolError) -> SpoolObject

    /// Reads only the fixed-size header of an object: cheap enough to call for every object in a pass.
    func header(_ key: SpoolKey, in state: SpoolState) async throws(SpoolError) -> SpoolObjectHeader

    /// Atomically writes `object` under its key and state, replacing the object there if there is one:
    /// readers see the old object or the new one, never a mix. The sweeper uses it to persist attempts
    /// and, with state `.dead`, to dead-letter some events of a multi-event object.
    func replace(_ object: SpoolObject) async throws(SpoolError)

    /// Removes an object.
    func delete(_ key: SpoolKey, in state: SpoolState) async throws(SpoolError)

    /// Moves an object from one state to another in one atomic step.
    func move(_ key: SpoolKey, from source: SpoolState, to destination: SpoolState) async throws(SpoolError)

    /// Moves a damaged object to `quarantine/` without ever replacing an object there: a second one of the
    /// same key gets another name (``SpoolKey/quarantineNumber``).
    ///
    /// - Returns: The object's key in `quarantine/`.
    func quarantine(_ key: SpoolKey, from state: SpoolState) async throws(SpoolError) -> SpoolKey

    /// Lists the objects in `state` in key order, streaming: memory stays flat however many there are.
    ///
    /// - Parameter prefix: Only keys that start with this text (for example `20261127T23`).
    func list(_ state: SpoolState, prefix: String) -> any AsyncSequence<SpoolEntry, SpoolError>

    /// Whether events with this ordering key may be waiting in `pending/`.
    ///
    /// `put` marks the ordering keys of the events it writes; a publisher asks before sending so
    /// that a new event cannot overtake spooled ones of the same key, also across processes.
    func hasWaitingEvents(orderingKey: String) async throws(SpoolError) -> Bool

    /// Starts a release of ordering-key marks: a sweeper calls it before it lists `pending/`, and
    /// ``releaseOrderingKeys(keeping:)`` after a complete pass.
    ///
    /// From here on the spool can tell the marks a `put` set since: only those, and the keys a pass still
    /// found events of, survive the release.
    func beginOrderingKeyRelease() async throws(SpoolError)

    /// Removes the marks of ordering keys that have no event in `pending/` any more.
    ///
    /// A mark goes only when its key is not in `keeping` and no `put` has set it since
    /// ``beginOrderingKeyRelease()`` — checked and removed in one step that no put can come between (a
    /// compare-and-delete), so that a put during the pass, whose event the listing may have missed, keeps its
    /// mark, and a publisher never finds the mark missing while events of its key may be waiting.
    ///
    /// - Parameter keeping: Ordering keys that still have events in `pending/` (found by a complete pass).
    func releaseOrderingKeys(keeping: Set<String>) async throws(SpoolError)

    /// Counts what `state` holds the way ``SpoolConfiguration/Limits`` count `pending/`, without reading objects.
    func occupancy(of state: SpoolState) async throws(SpoolError) -> SpoolOccupancy

    /// Takes the sweeper's lease: one sweeper at a time works on the spool, across processes and hosts.
    ///
    /// - Returns: The lease, or `nil` when another holder has it (in this process or another).
    /// - Throws: ``SpoolError`` when the spool cannot tell (the lock or lease object cannot be read or written).
    func tryAcquireSweeperLease() async throws(SpoolError) -> (any SpoolLease)?

    /// Removes what writers and earlier passes left behind that no reader needs: empty dated folders wholly
    /// before `cutoff`, and temporary files of writers that are gone. A sweeper calls it after a pass, holding
    /// the lease; writers may run meanwhile.
    ///
    /// - Returns: How many leftovers were removed.
    @discardableResult
    func removeLeftovers(before cutoff: Date) async throws(SpoolError) -> Int

    /// Where the spool is, for reports and logs: its directory, or `s3://bucket/prefix`.
    var location: String { get }

    /// Finishes the writes under way and releases what the spool holds (threads, connections). Calling it
    /// again does nothing.
    func shutdown() async
}

extension Spool {
    /// The spool's directory.
    public var location: String { configuration.directory }

    /// Nothing to release.
    public func shutdown() async {}

    /// Moves the object with ``move(_:from:to:)``, keeping its key: for a spool whose quarantine cannot hold two
    /// objects of one key, a second one fails to move and stays where it is.
    public func quarantine(_ key: SpoolKey, from state: SpoolState) async throws(SpoolError) -> SpoolKey {
        try await move(key, from: state, to: .quarantine)
        return key
    }

    /// Lists every object in `state` in key order.
    public func list(_ state: SpoolState) -> any AsyncSequence<SpoolEntry, SpoolError> {
        list(state, prefix: "")
    }
}
