import EventSpoolS3
import EventSpoolStorage
import Foundation
import TestSupport
import Testing

@testable import EventSpoolS3

/// The sweeper's lease object on real servers: one holder at a time across spools (hosts), expiry judged by the
/// store's clock, an epoch that only grows, and a holder that stops before anyone else may start.
@Suite(.timeLimit(.minutes(3))) struct S3SpoolLeaseTests {
    @Test(arguments: S3TestServer.Kind.allCases)
    func aCrashedHoldersLeaseIsTakenOverOnlyAfterTheHolderStopped(kind: S3TestServer.Kind) async throws {
        let bucket = try await S3SpoolBucket.make(kind)
        try await bucket.withSpool(bucket.configuration(leaseDuration: .seconds(6), hostID: "host-a")) { first in
            try await bucket.withSpool(bucket.configuration(leaseDuration: .seconds(6), hostID: "host-b")) { second in
                let crashed = try #require(try await first.tryAcquireSweeperLease())
                #expect(try await second.tryAcquireSweeperLease() == nil, "held and unexpired")

                // The holder "crashes": it never renews. The other host asks until the store's clock says expired.
                var successor: (any SpoolLease)?
                let giveUp = ContinuousClock.now + .seconds(30)
                while successor == nil, ContinuousClock.now < giveUp {
                    successor = try await second.tryAcquireSweeperLease()
                    // The safety property: whenever the other host holds it, the old holder has already stopped.
                    if successor != nil { #expect(!crashed.isValid, "two holders at once") }
                }
                let taken = try #require(successor, "the expired lease was never taken over")
                #expect(taken.isValid)
                #expect(await spoolFailure { try await crashed.renew() }?.code == .leaseLost)
                let record = try await leaseRecord(bucket)
                #expect(record.epoch == 2)
                #expect(record.owner.hasPrefix("host-b "))
                await crashed.release()  // a late release by the old holder must not end the successor's lease
                #expect(try await leaseRecord(bucket).epoch == 2)
                #expect(try await first.tryAcquireSweeperLease() == nil)
                await taken.release()
            }
        }
    }

    @Test(arguments: S3TestServer.Kind.allCases)
    func aReleasedLeaseIsFreeAtOnceAndTheEpochNeverGoesBack(kind: S3TestServer.Kind) async throws {
        let bucket = try await S3SpoolBucket.make(kind)
        try await bucket.withSpool { spool in
            for expected in UInt64(1)...3 {
                let lease = try #require(try await spool.tryAcquireSweeperLease())
                #expect(try await leaseRecord(bucket).epoch == expected)
                await lease.release()
                #expect(!lease.isValid)
                #expect(await spoolFailure { try await lease.renew() }?.code == .leaseLost)
            }
            #expect(try await leaseRecord(bucket).isReleased, "kept with no expiry, not deleted")
        }
    }

    @Test func everyRenewalChangesTheObjectAndKeepsOthersOut() async throws {
        let bucket = try await S3SpoolBucket.make()
        try await bucket.withSpool { spool in
            try await bucket.withSpool { other in
                let lease = try #require(try await spool.tryAcquireSweeperLease())
                var etags: Set<S3ETag> = []
                for renewal in UInt64(1)...3 {
                    try await lease.renew()
                    #expect(try await leaseRecord(bucket).renewals == renewal)
                    etags.insert(
                        try await bucket.withClient { try found(try await $0.head($0.key("sweeper.lease"))) }.etag
                    )
                    #expect(try await other.tryAcquireSweeperLease() == nil)
                }
                #expect(etags.count == 3, "a renewal that kept the bytes would keep the ETag: ABA")
                #expect(lease.renewalInterval == .seconds(10))
                await lease.release()
            }
        }
    }

    @Test func aLeaseObjectThatIsNotALeaseIsReportedAndNeverTakenOver() async throws {
        let bucket = try await S3SpoolBucket.make()
        let planted: [String] = [
            "garbage",
            "eventspool sweeper lease 1\nowner: x\nepoch: 18446744073709551615\nrenewals: 0\nexpires: 0\n",
            "eventspool sweeper lease 1\nowner: x\nepoch: -1\nrenewals: 0\nexpires: 0\n",
            "eventspool sweeper lease 1\nowner: x\nepoch: 1\nrenewals: 0\nexpires: 99999999999999999999\n",
            String(repeating: "a", count: 5000),
        ]
        try await bucket.withSpool { spool in
            for text in planted {
                try await bucket.withClient { client in try await client.delete(client.key("sweeper.lease")) }
                _ = try await bucket.withClient {
                    try await $0.putIfAbsent($0.key("sweeper.lease"), bytes: Array(text.utf8))
                }
                let failure = await spoolFailure { _ = try await spool.tryAcquireSweeperLease() }
                #expect(failure?.code == .corrupt, "\(text.prefix(40)): \(failure.map { "\($0)" } ?? "no error")")
                #expect(failure?.path.hasSuffix("/sweeper.lease") == true)
            }
        }
        // A valid lease that expires in the year 292 million is held, as it says: not taken, not a crash.
        try await bucket.withClient { client in try await client.delete(client.key("sweeper.lease")) }
        let forever = S3LeaseRecord(owner: "x", epoch: 7, renewals: UInt64.max, expiresAt: .distantFuture)
        _ = try await bucket.withClient { try await $0.putIfAbsent($0.key("sweeper.lease"), bytes: forever.bytes) }
        let lease = try await bucket.withSpool { spool in try await spool.tryAcquireSweeperLease() }
        #expect(lease == nil)
    }

    /// A bucket that records no pass of the race probe is probed before the spool's first lease, and the pass is
    /// recorded; moto answers a probe in well under a second (a store that fails it: `S3RaceProbeStartupTests`).
    @Test func theFirstLeaseOnAnUnprobedBucketProbesTheStoreAndRecordsThePass() async throws {
        let server = try await S3TestServer.shared(.moto)
        let bucket = S3SpoolBucket(server: server, s3: try await server.makeBucket())
        let record = { () async throws -> Bool in
            try await bucket.withClient { client in
                if case .found = try await client.head(client.key(S3RaceProbe.recordName)) { return true }
                return false
            }
        }
        #expect(try await !record())
        try await bucket.withSpool { spool in
            let lease = try #require(try await spool.tryAcquireSweeperLease())
            await lease.release()
        }
        #expect(try await record())
    }

    private func leaseRecord(_ bucket: S3SpoolBucket) async throws -> S3LeaseRecord {
        let object = try await bucket.withClient { try found(try await $0.get($0.key("sweeper.lease"))) }
        return try #require(S3LeaseRecord(bytes: object.bytes))
    }
}
