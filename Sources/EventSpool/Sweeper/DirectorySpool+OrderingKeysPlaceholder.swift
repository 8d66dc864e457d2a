import struct Foundation.Date

// TEMPORARY: the spool branch this was merged from predates `Spool.hasWaitingEvents(orderingKey:)` and
// `Spool.releaseOrderingKeys(keeping:markedBefore:)` on main. Delete this file when the spool branch that
// implements them is merged.
extension DirectorySpool {
    public func hasWaitingEvents(orderingKey: String) async throws(SpoolError) -> Bool {
        // Conservative: a publisher spools every event with an ordering key, so none overtakes.
        true
    }

    public func releaseOrderingKeys(keeping: Set<String>, markedBefore: Date) async throws(SpoolError) {}
}
