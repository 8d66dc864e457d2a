public import Logging

public import struct Foundation.Date

/// A ``Spool`` in a local directory (see `docs/spool-format.md`).
///
/// Placeholder with the final signatures; the implementation lands with the spool work.
public final class DirectorySpool: Spool {
    /// The spool's configuration.
    public let configuration: SpoolConfiguration

    /// Opens (creating when missing) the spool directory and removes stale `tmp/` leftovers.
    ///
    /// - Throws: ``SpoolError`` when the directory cannot be created or is unsafe to use.
    public init(
        configuration: SpoolConfiguration,
        clock: any WallClock = SystemWallClock(),
        logger: Logger
    ) throws(SpoolError) {
        self.configuration = configuration
    }

    public func put(_ events: [SpooledEvent]) async throws(SpoolError) -> SpoolKey {
        preconditionFailure("not implemented yet")
    }

    public func get(_ key: SpoolKey, in state: SpoolState) async throws(SpoolError) -> SpoolObject {
        preconditionFailure("not implemented yet")
    }

    public func header(_ key: SpoolKey, in state: SpoolState) async throws(SpoolError) -> SpoolObjectHeader {
        preconditionFailure("not implemented yet")
    }

    public func replace(_ object: SpoolObject) async throws(SpoolError) {
        preconditionFailure("not implemented yet")
    }

    public func delete(_ key: SpoolKey, in state: SpoolState) async throws(SpoolError) {
        preconditionFailure("not implemented yet")
    }

    public func move(_ key: SpoolKey, from source: SpoolState, to destination: SpoolState) async throws(SpoolError) {
        preconditionFailure("not implemented yet")
    }

    public func list(_ state: SpoolState, prefix: String) -> any AsyncSequence<SpoolEntry, SpoolError> {
        preconditionFailure("not implemented yet")
    }

    public func hasWaitingEvents(orderingKey: String) async throws(SpoolError) -> Bool {
        preconditionFailure("not implemented yet")
    }

    public func releaseOrderingKeys(keeping: Set<String>, markedBefore: Date) async throws(SpoolError) {
        preconditionFailure("not implemented yet")
    }

    /// Stops the writer thread after the writes already accepted are durable.
    public func shutdown() async {}
}
