import EventSpoolModel
import Synchronization

public import struct Foundation.Date

/// A spool over a primary store and a local last resort: a put the primary refuses goes to the last resort, so an
/// event is lost only when both refuse it, and a sweep drains both as one spool.
///
/// With an object store (`spool.backend: s3`), the primary is the bucket (``SpoolConfiguration/objectStore``) and
/// the last resort a ``DirectorySpool`` in ``SpoolConfiguration/directory``: when the store is unreachable,
/// throttles, denies or is full, the events go to the local disk instead of failing the publish.
///
/// - A put goes to the primary; when the primary throws (any error but an invalid object, which the last resort
///   would refuse too), to the last resort. ``place(_:)`` says which, and why.
/// - Events whose ordering key has events waiting in the last resort go there too, even while the primary works,
///   so that one key's events never split newer-first across the two.
/// - Listings merge both spools in key order; an object is read, replaced, moved or deleted where it is (the last
///   resort is asked first: a local miss is cheap).
/// - Ordering marks, occupancy and leftovers cover both; the sweeper's lease is both spools' leases at once.
public final class LastResortSpool: Spool {
    /// The spool events go to first.
    public let primary: any Spool
    /// The spool events go to when the primary refuses them.
    public let lastResort: any Spool
    /// The lease handed out last: once its primary part is lost, a successor in this process takes over its last
    /// resort part, which a lock held for the process's lifetime would otherwise keep from it.
    let issuedLease = Mutex<LastResortLease?>(nil)

    /// A spool writing to `primary`, and to `lastResort` when `primary` refuses a put.
    ///
    /// - Parameters:
    ///   - primary: The spool events go to first: an object store.
    ///   - lastResort: The spool events go to when the primary refuses them: a local directory.
    public init(primary: any Spool, lastResort: any Spool) {
        self.primary = primary
        self.lastResort = lastResort
    }

    /// The primary's configuration: with an object store it names the last resort's directory too.
    public var configuration: SpoolConfiguration { primary.configuration }

    /// Both spools: `s3://bucket/prefix (last resort /var/spool/eventspool)`.
    public var location: String { "\(primary.location) (last resort \(lastResort.location))" }

    // MARK: - Objects

    /// Writes `events` to the primary, or to the last resort (see ``place(_:)``).
    public func put(_ events: [SpooledEvent]) async throws(SpoolError) -> SpoolKey {
        try await place(events).key
    }

    /// Writes `events` as one new object, to the primary or to the last resort, and says which.
    ///
    /// - Returns: The object's key, and why it is in the last resort (`nil`: in the primary).
    /// - Throws: ``SpoolError`` when neither spool took the events: the last resort's error, with the primary's
    ///   in its message.
    package func place(
        _ events: [SpooledEvent]
    ) async throws(SpoolError) -> (key: SpoolKey, diversion: LastResortDiversion?) {
        if let orderingKey = await orderingKeyWaitingInLastResort(events) {
            do throws(SpoolError) {
                let key = try await lastResort.put(events)
                return (key, diversion(because: nil, orderingKey: orderingKey))
            } catch {
                // Out of order beats lost: the primary may still take the events.
                return (try await primary.put(events), nil)
            }
        }
        do throws(SpoolError) {
            return (try await primary.put(events), nil)
        } catch let primaryError {
            guard primaryError.code != .invalidObject else { throw primaryError }
            do throws(SpoolError) {
                let key = try await lastResort.put(events)
                return (key, diversion(because: primaryError, orderingKey: nil))
            } catch {
                throw SpoolError(
                    code: error.code,
                    operation: error.operation,
                    path: error.path,
                    message: "\(error.message); the last resort after \(primary.location), which refused it too: "
                        + "\(primaryError)",
                    errno: error.errno
                )
            }
        }
    }

    /// The first ordering key of `events` that has events waiting in the last resort; one the last resort cannot
    /// tell about counts as waiting, as a publisher that cannot tell spools rather than overtake.
    private func orderingKeyWaitingInLastResort(_ events: [SpooledEvent]) async -> String? {
        for orderingKey in Set(events.compactMap(\.event.orderingKey)).sorted() {
            if (try? await lastResort.hasWaitingEvents(orderingKey: orderingKey)) ?? true {
                return orderingKey
            }
        }
        return nil
    }

    private func diversion(because primaryError: SpoolError?, orderingKey: String?) -> LastResortDiversion {
        LastResortDiversion(
            primaryLocation: primary.location,
            lastResortLocation: lastResort.location,
            primaryError: primaryError,
            orderingKey: orderingKey
        )
    }

    public func get(_ key: SpoolKey, in state: SpoolState) async throws(SpoolError) -> SpoolObject {
        try await onHolder { spool throws(SpoolError) in try await spool.get(key, in: state) }
    }

    public func header(_ key: SpoolKey, in state: SpoolState) async throws(SpoolError) -> SpoolObjectHeader {
        try await onHolder { spool throws(SpoolError) in try await spool.header(key, in: state) }
    }

    /// Replaces the object in the spool that holds its key: in the object's state, or (for events dead-lettered
    /// out of a pending object) in `pending/`. A key neither holds is written to the primary.
    public func replace(_ object: SpoolObject) async throws(SpoolError) {
        let states: [SpoolState] = object.state == .pending ? [.pending] : [object.state, .pending]
        let holder = await lastResortHolds(object.key, in: states) ? lastResort : primary
        try await holder.replace(object)
    }

    public func delete(_ key: SpoolKey, in state: SpoolState) async throws(SpoolError) {
        try await onHolder { spool throws(SpoolError) in try await spool.delete(key, in: state) }
    }

    public func move(_ key: SpoolKey, from source: SpoolState, to destination: SpoolState) async throws(SpoolError) {
        try await onHolder { spool throws(SpoolError) in try await spool.move(key, from: source, to: destination) }
    }

    public func quarantine(_ key: SpoolKey, from state: SpoolState) async throws(SpoolError) -> SpoolKey {
        try await onHolder { spool throws(SpoolError) in try await spool.quarantine(key, from: state) }
    }

    /// Both spools' objects of `state`, in key order, streaming.
    public func list(_ state: SpoolState, prefix: String) -> any AsyncSequence<SpoolEntry, SpoolError> {
        MergedSpoolListing([lastResort.list(state, prefix: prefix), primary.list(state, prefix: prefix)])
    }

    /// Runs `operation` on the last resort, and on the primary when the last resort has no such object.
    private func onHolder<Value>(
        _ operation: (any Spool) async throws(SpoolError) -> Value
    ) async throws(SpoolError) -> Value {
        do throws(SpoolError) {
            return try await operation(lastResort)
        } catch  where error.code == .notFound {
            return try await operation(primary)
        }
    }

    /// Whether the last resort has an object of `key` in one of `states`: readable or not, it is there unless the
    /// last resort says there is no such object.
    private func lastResortHolds(_ key: SpoolKey, in states: [SpoolState]) async -> Bool {
        for state in states {
            do throws(SpoolError) {
                _ = try await lastResort.header(key, in: state)
                return true
            } catch  where error.code == .notFound {
                continue
            } catch {
                return true
            }
        }
        return false
    }

    // MARK: - Ordering keys

    /// Whether either spool has events of `orderingKey` waiting (the last resort is asked first).
    public func hasWaitingEvents(orderingKey: String) async throws(SpoolError) -> Bool {
        if try await lastResort.hasWaitingEvents(orderingKey: orderingKey) { return true }
        return try await primary.hasWaitingEvents(orderingKey: orderingKey)
    }

    public func beginOrderingKeyRelease() async throws(SpoolError) {
        try await lastResort.beginOrderingKeyRelease()
        try await primary.beginOrderingKeyRelease()
    }

    /// Releases the marks of both spools. `keeping` comes from a pass over both, so a key with events in one keeps
    /// its mark in the other too until none is left anywhere: later events of the key may then go to the last
    /// resort, which is never out of order.
    public func releaseOrderingKeys(keeping: Set<String>) async throws(SpoolError) {
        try await lastResort.releaseOrderingKeys(keeping: keeping)
        try await primary.releaseOrderingKeys(keeping: keeping)
    }

    // MARK: - Usage, leftovers, lifetime

    /// What both spools hold in `state`, added up.
    public func occupancy(of state: SpoolState) async throws(SpoolError) -> SpoolOccupancy {
        let local = try await lastResort.occupancy(of: state)
        let remote = try await primary.occupancy(of: state)
        return SpoolOccupancy(objects: local.objects + remote.objects, bytes: local.bytes + remote.bytes)
    }

    @discardableResult
    public func removeLeftovers(before cutoff: Date) async throws(SpoolError) -> Int {
        try await lastResort.removeLeftovers(before: cutoff) + primary.removeLeftovers(before: cutoff)
    }

    /// Shuts both spools down.
    public func shutdown() async {
        await primary.shutdown()
        await lastResort.shutdown()
    }
}
