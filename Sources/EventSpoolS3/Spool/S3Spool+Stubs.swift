import EventSpoolStorage

import struct Foundation.Date

// The interface only: the implementation replaces this file.
extension S3Spool {
    private func unimplemented(_ operation: String) -> SpoolError {
        SpoolError(code: .unavailable, operation: operation, path: location, message: "not implemented yet")
    }
    public func put(_ events: [SpooledEvent]) async throws(SpoolError) -> SpoolKey { throw unimplemented("put") }
    public func get(_ key: SpoolKey, in state: SpoolState) async throws(SpoolError) -> SpoolObject {
        throw unimplemented("get")
    }
    public func header(_ key: SpoolKey, in state: SpoolState) async throws(SpoolError) -> SpoolObjectHeader {
        throw unimplemented("header")
    }
    public func replace(_ object: SpoolObject) async throws(SpoolError) { throw unimplemented("replace") }
    public func delete(_ key: SpoolKey, in state: SpoolState) async throws(SpoolError) { throw unimplemented("delete") }
    public func move(_ key: SpoolKey, from source: SpoolState, to destination: SpoolState) async throws(SpoolError) {
        throw unimplemented("move")
    }
    public func hasWaitingEvents(orderingKey: String) async throws(SpoolError) -> Bool {
        throw unimplemented("hasWaitingEvents")
    }
    public func beginOrderingKeyRelease() async throws(SpoolError) { throw unimplemented("release") }
    public func releaseOrderingKeys(keeping: Set<String>) async throws(SpoolError) { throw unimplemented("release") }
    public func occupancy(of state: SpoolState) async throws(SpoolError) -> SpoolOccupancy {
        throw unimplemented("occupancy")
    }
    public func tryAcquireSweeperLease() async throws(SpoolError) -> (any SpoolLease)? { throw unimplemented("lease") }
    public func removeLeftovers(before cutoff: Date) async throws(SpoolError) -> Int { 0 }
}
