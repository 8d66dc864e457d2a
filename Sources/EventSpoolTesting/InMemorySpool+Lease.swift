public import EventSpool
import Synchronization

import struct Foundation.Date

extension InMemorySpool {
    /// Takes the sweeper's lease when nobody holds it, or when the holder's lease expired (then with a new
    /// epoch, so the old holder finds it lost).
    public func tryAcquireSweeperLease() async throws(SpoolError) -> (any SpoolLease)? {
        let now = clock.now
        let expiresAt = leaseDuration.map { now.addingTimeInterval(Self.seconds($0)) }
        let epoch = store.withLock { store -> UInt64? in
            if let current = store.lease, current.expiresAt.map({ now < $0 }) ?? true { return nil }
            store.lastEpoch += 1
            store.lease = (store.lastEpoch, expiresAt)
            return store.lastEpoch
        }
        return epoch.map { Lease(spool: self, epoch: $0) }
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
    }

    /// One acquisition of the lease: valid while the spool's lease has its epoch and has not expired.
    final class Lease: SpoolLease {
        let spool: InMemorySpool
        let epoch: UInt64

        init(spool: InMemorySpool, epoch: UInt64) {
            self.spool = spool
            self.epoch = epoch
        }

        /// A third of the lease's duration, as an object store's lease is renewed.
        var renewalInterval: Duration? { spool.leaseDuration.map { $0 / 3 } }

        func check() throws(SpoolError) {
            let now = spool.clock.now
            guard spool.store.withLock({ isHeld(in: $0, at: now) }) else { throw lost() }
        }

        func renew() async throws(SpoolError) {
            let now = spool.clock.now
            let expiresAt = spool.leaseDuration.map { now.addingTimeInterval(InMemorySpool.seconds($0)) }
            let renewed = spool.store.withLock { store in
                guard isHeld(in: store, at: now) else { return false }
                store.lease?.expiresAt = expiresAt
                return true
            }
            guard renewed else { throw lost() }
        }

        private func isHeld(in store: Store, at now: Date) -> Bool {
            guard let lease = store.lease, lease.epoch == epoch else { return false }
            return lease.expiresAt.map { now < $0 } ?? true
        }

        private func lost() -> SpoolError {
            spool.error(.leaseLost, "lease", "sweeper.lease", "lease \(epoch) was released, expired or taken over")
        }

        func release() async {
            spool.store.withLock { store in
                if store.lease?.epoch == epoch { store.lease = nil }
            }
        }
    }
}
