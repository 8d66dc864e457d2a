import EventSpoolModel
import EventSpoolStorage
import Logging
import Synchronization

import struct Foundation.Date

/// The sweeper's lease on an ``S3Spool``: the object `sweeper.lease`, written only with conditional writes.
///
/// Time is the store's: the expiry written is the store's clock (its `Date` header, read on the answer before)
/// plus the lease's duration, so hosts with different clocks agree on it. The holder counts on its own
/// monotonic clock instead, from when it *sent* the write, and stops ``margin`` before the term ends: the
/// store's `Date` has whole seconds and the answer took a while, so the store's expiry can come up to about a
/// second plus a round trip before the holder's term; the margin (at least 2 s) covers that.
final class S3SpoolLease: SpoolLease {
    private struct State {
        var record: S3LeaseRecord
        var etag: S3ETag
        /// The holder stops at this instant unless a renewal moves it.
        var validUntil: ContinuousClock.Instant
        /// The store's clock as last seen, and when: its clock now is estimated from them.
        var serverDate: Date
        var seenAt: ContinuousClock.Instant
        var isLost = false
    }

    private let spool: S3Spool
    private let state: Mutex<State>
    private let duration: Duration

    init(spool: S3Spool, record: S3LeaseRecord, etag: S3ETag, sentAt: ContinuousClock.Instant, serverDate: Date) {
        self.spool = spool
        duration = spool.store.leaseDuration
        state = Mutex(
            State(
                record: record,
                etag: etag,
                validUntil: sentAt + duration - Self.margin(of: duration),
                serverDate: serverDate,
                seenAt: .now
            )
        )
    }

    /// How long before its term ends the holder stops: a third of the term, at least 2 s.
    static func margin(of duration: Duration) -> Duration {
        max(.seconds(2), duration / 3)
    }

    var epoch: UInt64 { state.withLock { $0.record.epoch } }

    /// A third of the term, so that two renewals may fail before the holder stops.
    var renewalInterval: Duration? { duration / 3 }

    func check() throws(SpoolError) {
        let lost = state.withLock { state in
            if ContinuousClock.now >= state.validUntil { state.isLost = true }
            return state.isLost
        }
        if lost { throw lostError() }
    }

    func renew() async throws(SpoolError) {
        try check()
        let sentAt = ContinuousClock.now
        let (record, etag) = state.withLock { state -> (S3LeaseRecord, S3ETag) in
            var record = state.record
            record.renewals &+= 1
            let serverNow = state.serverDate.addingTimeInterval(S3Spool.seconds(sentAt - state.seenAt))
            record = S3LeaseRecord(
                owner: record.owner,
                epoch: record.epoch,
                renewals: record.renewals,
                expiresAt: serverNow.addingTimeInterval(S3Spool.seconds(duration))
            )
            return (record, state.etag)
        }
        let name = S3Spool.leaseName
        let outcome = try await spool.call("renew the lease", name) { client in
            try await client.putIfMatch(client.key(name), bytes: record.bytes, etag: etag)
        }
        switch outcome {
        case .replaced(let receipt):
            state.withLock { state in
                guard !state.isLost else { return }
                state.record = record
                state.etag = receipt.etag
                state.validUntil = sentAt + duration - Self.margin(of: duration)
                if let date = receipt.serverDate {
                    state.serverDate = date
                    state.seenAt = .now
                }
            }
        case .lost:
            state.withLock { $0.isLost = true }
            spool.logger.warning(
                "the sweeper lease was taken over",
                metadata: ["spool.location": "\(spool.location)", "spool.lease.epoch": "\(record.epoch)"]
            )
            throw lostError()
        }
    }

    func release() async {
        let current = state.withLock { state -> (S3LeaseRecord, S3ETag)? in
            defer { state.isLost = true }
            guard !state.isLost, ContinuousClock.now < state.validUntil else { return nil }
            return (state.record, state.etag)
        }
        guard let (record, etag) = current else { return }
        // Kept, with no expiry, rather than deleted: the epoch never goes back.
        let released = S3LeaseRecord(
            owner: record.owner,
            epoch: record.epoch,
            renewals: record.renewals &+ 1,
            expiresAt: nil
        )
        let name = S3Spool.leaseName
        _ = try? await spool.call("release the lease", name) { client in
            try await client.putIfMatch(client.key(name), bytes: released.bytes, etag: etag)
        }
    }

    private func lostError() -> SpoolError {
        SpoolError(
            code: .leaseLost,
            operation: "lease",
            path: spool.path(S3Spool.leaseName),
            message: "the sweeper lease (epoch \(epoch)) expired, was released or was taken over"
        )
    }
}
