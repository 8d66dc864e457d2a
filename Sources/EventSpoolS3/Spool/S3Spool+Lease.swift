import EventSpoolModel
import EventSpoolStorage
import Logging
import Synchronization

import struct Foundation.Date
import class Foundation.ProcessInfo

extension S3Spool {
    /// The lease object's name below the prefix.
    static let leaseName = "sweeper.lease"
    /// The shortest lease: its margin (2 s) must leave the holder time to work.
    static let minimumLeaseDuration = Duration.seconds(6)

    /// Takes the lease object: creates it (`If-None-Match: *`, epoch 1), or takes over a released or expired one
    /// (`If-Match` the version read, epoch + 1), judged by the store's clock.
    ///
    /// - Returns: `nil` when another sweeper holds an unexpired lease, or won the race for it.
    /// - Throws: ``SpoolError``: the store cannot be asked; `.corrupt` when `sweeper.lease` is not a lease.
    public func tryAcquireSweeperLease() async throws(SpoolError) -> (any SpoolLease)? {
        try await requireAtomicConditionalWrites()
        let name = Self.leaseName
        let sentAt = ContinuousClock.now
        // A listing tells whether the object is there, and the store's clock even when it is not.
        let page = try await call("lease", name) { client in
            try await client.listPage(prefix: client.key(name), maxKeys: 1)
        }
        var serverNow = page.serverDate
        var current: (record: S3LeaseRecord, etag: S3ETag)?
        if page.objects.contains(where: { $0.key == client.key(name) }),
            case .found(let object) = try await call("lease", name, { try await $0.get($0.key(name)) })
        {
            guard let record = S3LeaseRecord(bytes: object.bytes), record.epoch < UInt64.max else {
                throw .corrupt(
                    "lease",
                    path: path(name),
                    "not a sweeper lease; remove it once no sweeper runs on the spool"
                )
            }
            current = (record, object.etag)
            serverNow = object.serverDate ?? serverNow
        }
        guard let serverNow else {
            throw SpoolError(
                code: .unavailable,
                operation: "lease",
                path: path(name),
                message: "the store sent no Date header: the lease's expiry is reckoned in the store's clock"
            )
        }
        if let current, !current.record.isFree(at: serverNow) { return nil }
        let record = S3LeaseRecord(
            owner:
                "\(store.hostID ?? Self.hostName) \(SpoolKeySource.processNonceText) \(UInt32.random(in: 0...UInt32.max))",
            epoch: (current?.record.epoch ?? 0) + 1,
            renewals: 0,
            expiresAt: serverNow.addingTimeInterval(Self.seconds(store.leaseDuration))
        )
        let etag: S3ETag
        if let current {
            let outcome = try await call("lease", name) { client in
                try await client.putIfMatch(client.key(name), bytes: record.bytes, etag: current.etag)
            }
            guard case .replaced(let receipt) = outcome else { return nil }
            etag = receipt.etag
            if !current.record.isReleased {
                logger.warning(
                    "took over an expired sweeper lease",
                    metadata: [
                        "spool.location": "\(location)",
                        "spool.lease.previousOwner": "\(LoggedText(current.record.owner, maxBytes: 200))",
                        "spool.lease.epoch": "\(record.epoch)",
                    ]
                )
            }
        } else {
            let outcome = try await call("lease", name) { client in
                try await client.putIfAbsent(client.key(name), bytes: record.bytes)
            }
            guard case .created(let receipt) = outcome else { return nil }
            etag = receipt.etag
        }
        return S3SpoolLease(spool: self, record: record, etag: etag, sentAt: sentAt, serverDate: serverNow)
    }

    /// Refuses a store whose conditional writes are not atomic: two sweepers would both win the lease. Checked before
    /// this spool's first lease (``S3RaceProbe/requirePassed(client:maxAge:probe:logger:)``: a pass recorded in the
    /// bucket, or a short probe that records one).
    ///
    /// - Throws: ``SpoolError`` with code `.unsafe` when the store failed the probe; the store's error when it could
    ///   not be asked.
    private func requireAtomicConditionalWrites() async throws(SpoolError) {
        guard !probePassed.withLock({ $0 }) else { return }
        do {
            try await S3RaceProbe.requirePassed(client: client, logger: logger)
        } catch  where error.code == .notAtomic {
            throw SpoolError(
                code: .unsafe,
                operation: "lease",
                path: path(S3RaceProbe.recordName),
                message: error.message
            )
        } catch {
            throw failure(error, "lease", S3RaceProbe.recordName)
        }
        probePassed.withLock { $0 = true }
    }

    /// This host's name, for the lease's owner.
    static var hostName: String {
        ProcessInfo.processInfo.hostName
    }
}
