import EventSpoolModel
import EventSpoolS3
import EventSpoolStorage
import EventSpoolTesting
import Foundation
import TestSupport
import Testing

@testable import EventSpoolS3

/// What an S3 spool promises beyond the conformance suite: writes that never overwrite another writer's, keys in
/// order across hosts whose clocks disagree, objects it did not write left alone, and errors that name the object
/// and never the secret.
@Suite(.timeLimit(.minutes(3))) struct S3SpoolTests {
    @Test(arguments: S3TestServer.Kind.allCases)
    func aStaleWriterCannotOverwriteOrDeleteWhatAnotherWroteSince(kind: S3TestServer.Kind) async throws {
        let bucket = try await S3SpoolBucket.make(kind)
        try await bucket.withSpool { stale in
            try await bucket.withSpool { successor in
                let key = try await stale.put([s3Event("a"), s3Event("b")])
                let read = try await stale.get(key, in: .pending)
                // Meanwhile another sweeper (which took the lease over) records an attempt on the object.
                _ = try await successor.get(key, in: .pending)
                try await successor.replace(SpoolObject(key: key, state: .pending, events: [s3Event("b")]))

                let late = SpoolObject(key: key, state: .pending, events: read.events)
                #expect(await spoolFailure { try await stale.replace(late) }?.code == .conflict)
                #expect(await spoolFailure { try await stale.delete(key, in: .pending) }?.code == .conflict)
                #expect(try await successor.get(key, in: .pending).events.map(\.event.id) == ["b"])

                // Having read it again, the stale writer may write: it saw the newer version.
                _ = try await stale.get(key, in: .pending)
                try await stale.delete(key, in: .pending)
                #expect(await spoolFailure { _ = try await successor.get(key, in: .pending) }?.code == .notFound)
            }
        }
    }

    @Test func keysFollowTheNewestKeyOfAHostWhoseClockIsAhead() async throws {
        let bucket = try await S3SpoolBucket.make()
        let now = Date()
        let ahead = ManualWallClock(now.addingTimeInterval(3600))
        let behind = ManualWallClock(now)
        let first = try await bucket.withSpool(clock: ahead) { try await $0.put([s3Event("ahead")]) }
        // A host whose clock is an hour behind opens the spool: its keys still sort after the one made ahead.
        let second = try await bucket.withSpool(clock: behind) { try await $0.put([s3Event("behind")]) }
        #expect(second > first)
    }

    @Test func anOrderingKeysNextObjectSortsAfterItsLastOneWhateverTheClock() async throws {
        let bucket = try await S3SpoolBucket.make()
        let now = Date()
        try await bucket.withSpool(clock: ManualWallClock(now)) { behind in
            // This host opened (and took its floor from pending/) before the other host's object existed.
            _ = try await behind.put([s3Event("first")])
            let ahead = try await bucket.withSpool(clock: ManualWallClock(now.addingTimeInterval(3600))) {
                try await $0.put([s3Event("k1", orderingKey: "order-7")])
            }
            let next = try await behind.put([s3Event("k2", orderingKey: "order-7")])
            #expect(next > ahead, "the mark's key is a floor for the ordering key's next object")
            let unrelated = try await behind.put([s3Event("x")])
            #expect(unrelated > next, "keys of one spool never go back")
        }
    }

    @Test func aWritingMarkOutlivesAReleaseAndAWrittenOneDoesNot() async throws {
        let bucket = try await S3SpoolBucket.make()
        try await bucket.withSpool { spool in
            _ = try await spool.put([s3Event("a", orderingKey: "done")])
            // A put that died between its mark and its object left a `writing` mark: a release must keep it
            // until it is older than any put can take (its object may still appear).
            let writing = S3OrderingMark(
                state: .writing,
                objectKey: SpoolKey("20991231T235959.999999Z-00000001-00000001-00000001")
            )
            _ = try await bucket.withClient {
                try await $0.putIfAbsent($0.key(spool.markName("dying")), bytes: writing.bytes)
            }
            #expect(try await spool.hasWaitingEvents(orderingKey: "dying"))

            try await spool.beginOrderingKeyRelease()
            try await spool.releaseOrderingKeys(keeping: [])
            #expect(try await !spool.hasWaitingEvents(orderingKey: "done"))
            #expect(try await spool.hasWaitingEvents(orderingKey: "dying"))
        }
    }

    @Test func objectsTheSpoolDidNotWriteAreSkippedAndDamagedOnesQuarantinedWhole() async throws {
        let bucket = try await S3SpoolBucket.make(prefix: "team/spool")
        try await bucket.withSpool { spool in
            let good = try await spool.put([s3Event("good")])
            let damagedKey = try #require(SpoolKey("20260101T000000.000000Z-00000001-00000001-00000001"))
            let damaged = Array("EVSP but not really an object".utf8)
            try await bucket.withClient { client in
                _ = try await client.putIfAbsent(client.key("pending/notes.txt"), bytes: Array("hello".utf8))
                _ = try await client.putIfAbsent(client.key("pending/2026.evs"), bytes: [1])
                _ = try await client.putIfAbsent(client.key("pending/\(damagedKey.rawValue).evs"), bytes: damaged)
            }
            var listed: [SpoolKey] = []
            for try await entry in spool.list(.pending) { listed.append(entry.key) }
            #expect(listed == [damagedKey, good])

            let failure = await spoolFailure { _ = try await spool.get(damagedKey, in: .pending) }
            #expect(failure?.code == .corrupt)
            #expect(failure?.path == "s3://\(bucket.s3.bucket)/team/spool/pending/\(damagedKey.rawValue).evs")
            #expect(await spoolFailure { _ = try await spool.header(damagedKey, in: .pending) }?.code == .corrupt)

            #expect(try await spool.quarantine(damagedKey, from: .pending) == damagedKey)
            let kept = try await bucket.withClient {
                try found(try await $0.get($0.key("quarantine/\(damagedKey.rawValue).evs")))
            }
            #expect(kept.bytes == damaged, "quarantined as it was")
            let size = Int64(try await spool.header(good, in: .pending).size)
            #expect(try await spool.occupancy(of: .pending) == SpoolOccupancy(objects: 1, bytes: size))
        }
    }

    @Test func errorsNameTheObjectAndNeverTheSecret() async throws {
        let bucket = try await S3SpoolBucket.make()
        let secret = "wrong-secret-Zq8Xv2Lp0Rk7"
        let leaks = SecretLeakCheck(secrets: [secret])
        try await bucket.withSpool(bucket.configuration(secretAccessKey: secret)) { spool in
            let failure = await spoolFailure { _ = try await spool.put([s3Event("a")]) }
            #expect(failure?.code == .unavailable)
            let text = failure.map { "\($0)" } ?? ""
            #expect(text.contains("s3://\(bucket.s3.bucket)/pending/"), "\(text)")
            #expect(leaks.leaks(in: text).isEmpty, "\(text)")
        }
        // Nothing listens: unavailable, within the configured timeout, naming the object.
        let closed = bucket.configuration(endpoint: "http://127.0.0.1:1", timeout: .seconds(1))
        try await bucket.withSpool(closed) { spool in
            let failure = await spoolFailure { _ = try await spool.put([s3Event("a")]) }
            #expect(failure?.code == .unavailable)
            #expect(failure?.path.hasPrefix("s3://\(bucket.s3.bucket)/") == true)
        }
    }

    @Test func aConfigurationWithoutAStoreOrWithAnUnusableOneIsRefused() async throws {
        let bucket = try await S3SpoolBucket.make()
        let refused = [
            SpoolConfiguration(directory: "/tmp/x"),
            bucket.configuration(leaseDuration: .seconds(2)),
            bucket.configuration(timeout: .seconds(3600)),
            bucket.configuration(endpoint: "ftp://127.0.0.1:1"),
            bucket.configuration(leaseDuration: .seconds(7200)),
            bucket.configuration(hostID: "host a"),
            bucket.configuration(hostID: "host\nb"),
        ]
        for configuration in refused {
            #expect(throws: SpoolError.self) { _ = try S3Spool(configuration: configuration, logger: quietLogger) }
        }
        let description = "\(bucket.configuration()) \(String(reflecting: bucket.configuration()))"
        #expect(!description.contains(S3TestServer.adminCredentials.secretAccessKey))
        #expect(!description.contains(S3TestServer.adminCredentials.accessKeyID))
    }
}
