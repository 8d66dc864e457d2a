import EventSpoolModel
import Synchronization

extension LastResortSpool {
    /// Takes both spools' sweeper leases — the last resort's first (a local lock, no network), then the primary's
    /// — or none: a sweep drains both, so it needs both.
    ///
    /// - Returns: The lease, or `nil` when another holder has either.
    public func tryAcquireSweeperLease() async throws(SpoolError) -> (any SpoolLease)? {
        // A lease whose primary part expired is lost: its last resort lock passes to this taker.
        let handedOver = issuedLease.withLock { $0?.handOverLastResortLease() }
        let local: any SpoolLease
        if let handedOver {
            local = handedOver
        } else {
            guard let taken = try await lastResort.tryAcquireSweeperLease() else { return nil }
            local = taken
        }
        let remote: (any SpoolLease)?
        do throws(SpoolError) {
            remote = try await primary.tryAcquireSweeperLease()
        } catch {
            await local.release()
            throw error
        }
        guard let remote else {
            await local.release()
            return nil
        }
        let lease = LastResortLease(primary: remote, lastResort: local)
        issuedLease.withLock { $0 = lease }
        return lease
    }
}

/// A ``LastResortSpool``'s sweeper lease: the primary's lease and the last resort's, held together. It is held
/// while both are, renewed and released together, and lost when either is.
final class LastResortLease: SpoolLease {
    let primary: any SpoolLease
    /// The last resort's lease; `nil` once released or handed over to a successor.
    private let lastResort: Mutex<(any SpoolLease)?>

    init(primary: any SpoolLease, lastResort: any SpoolLease) {
        self.primary = primary
        self.lastResort = Mutex(lastResort)
    }

    /// The shorter of the two leases' intervals.
    var renewalInterval: Duration? {
        [primary.renewalInterval, lastResort.withLock { $0 }?.renewalInterval].compactMap { $0 }.min()
    }

    func check() throws(SpoolError) {
        try primary.check()
        guard let local = lastResort.withLock({ $0 }) else {
            throw SpoolError(
                code: .leaseLost,
                operation: "lease",
                path: "sweeper.lease",
                message: "the last resort's lease was released or handed over"
            )
        }
        try local.check()
    }

    func renew() async throws(SpoolError) {
        try check()
        try await primary.renew()
        try await lastResort.withLock { $0 }?.renew()
    }

    func release() async {
        await primary.release()
        await lastResort.withLock { $0.take() }?.release()
    }

    /// The last resort's lease, given up by this lease for a successor, once the primary's lease is lost (and so
    /// this one for good); `nil` while it holds.
    func handOverLastResortLease() -> (any SpoolLease)? {
        guard !primary.isValid else { return nil }
        return lastResort.withLock { $0.take() }
    }
}
