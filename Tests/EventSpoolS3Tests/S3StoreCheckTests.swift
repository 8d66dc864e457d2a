import EventSpoolS3
import EventSpoolStorage
import Logging
import TestSupport
import Testing

/// What `spoolctl doctor` runs: the write check and the race probe against a spool's bucket, the pass recorded.
@Suite(.timeLimit(.minutes(5))) struct S3StoreCheckTests {
    @Test func seaweedFSIsWritableAndAtomicAndThePassIsRecorded() async throws {
        let server = try await S3TestServer.shared(.seaweedfs)
        let bucket = try await server.makeBucket(prefix: "spool")
        let store = bucket.objectStore
        let probe = S3RaceProbe(configuration: .init(writers: 4, rounds: 2))
        let report = try await S3StoreCheck.run(store: store, probe: probe, logger: quietLogger)
        #expect(report.write.problem == nil)
        #expect(report.write.key.hasPrefix("spool/probe/doctor-"))
        #expect(report.passed && report.recorded)
        #expect(report.location == "s3://\(bucket.bucket)/spool")
        #expect(report.server?.hasPrefix("SeaweedFS") == true)
        try await withS3Client(configuration: bucket, logger: quietLogger) { client in
            let record = try #require(S3ProbeRecord(json: try found(try await client.get("spool/probe/passed")).bytes))
            #expect(record.rounds == 2 && record.writers == 4 && record.races == ["create", "replace", "delete"])
            #expect(try await client.head(report.write.key) == .notFound)
            try await expectNoProbeObjects(client)
        }
    }

    @Test func aNonAtomicStoreFailsAndNothingIsRecorded() async throws {
        let server = try await S3TestServer.sharedNonAtomicMoto()
        let bucket = try await server.makeBucket(prefix: "spool")
        let probe = S3RaceProbe(configuration: .init(writers: 16, rounds: 30, races: [.create, .replace]))
        let report = try await S3StoreCheck.run(store: bucket.objectStore, probe: probe, logger: quietLogger)
        #expect(report.write.problem == nil)
        #expect(!report.passed && !report.recorded)
        #expect(report.probe?.failedRounds.isEmpty == false)
        try await withS3Client(configuration: bucket, logger: quietLogger) { client in
            #expect(try await client.head("spool/probe/passed") == .notFound)
            try await expectNoProbeObjects(client)
        }
    }

    @Test func aMissingBucketIsNotFound() async throws {
        let server = try await S3TestServer.shared(.moto)
        var bucket = server.configuration(bucket: "no-such-bucket")
        bucket.prefix = "spool"
        do throws(S3Error) {
            _ = try await S3StoreCheck.run(store: bucket.objectStore, probe: .startup, logger: quietLogger)
            Issue.record("a missing bucket was checked")
        } catch {
            #expect(error.code == .notFound)
        }
    }

    @Test func aStoreThatDoesNotAnswerIsATransportError() async throws {
        let store = SpoolConfiguration.ObjectStore(endpoint: "http://127.0.0.1:1", bucket: "nowhere")
        do throws(S3Error) {
            _ = try await S3StoreCheck.run(store: store, probe: .startup, logger: quietLogger)
            Issue.record("a store that does not answer was checked")
        } catch {
            #expect(error.code == .transport)
        }
    }

}
