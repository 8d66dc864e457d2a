import EventSpool
import Foundation
import TestSupport
import Testing

/// `spoolctl doctor`'s command line: what it says for a directory spool, its JSON, and the bounds of its options.
/// (Its checks of a bucket are `S3StoreCheckTests` and `S3RaceProbeTests`.)
@Suite("spoolctl doctor")
struct DoctorCommandTests {
    @Test("a directory spool has nothing to probe: exit 0, text and JSON")
    func directorySpoolHasNothingToProbe() async throws {
        try await withTemporaryDirectory { directory in
            let spool = directory.appendingPathComponent("spool").path
            let text = try await BuiltExecutable.spoolctl("doctor", "--spool-dir", spool)
            #expect(text.status == 0, "\(text)")
            #expect(text.stdout.contains("spool.backend is directory (\(spool)): nothing to probe"), "\(text)")

            let json = try await BuiltExecutable.spoolctl("doctor", "--json", "--spool-dir", spool)
            #expect(json.status == 0, "\(json)")
            let objects = try jsonObjects(json.stdout)
            #expect(objects.count == 1, "\(json)")
            let object = try #require(objects.first)
            #expect(object["backend"] as? String == "directory")
            #expect(object["location"] as? String == spool)
            #expect(object["passed"] as? Bool == true)
            #expect(object["recorded"] as? Bool == false)
            for field in ["endpoint", "server", "write", "probe"] {
                #expect(object[field] is NSNull, "\(field) should be null: \(json)")
            }
            // Nothing was created: the doctor only reads the configuration.
            #expect(!FileManager.default.fileExists(atPath: spool))
        }
    }

    @Test(
        "a probe that could prove nothing is a usage error (64)",
        arguments: [
            ["--writers", "1"], ["--writers", "65"], ["--rounds", "0"], ["--rounds", "1001"],
        ]
    )
    func probeBoundsAreUsageErrors(options: [String]) async throws {
        let result = try await BuiltExecutable.run("spoolctl", ["doctor", "--json"] + options)
        #expect(result.status == 64, "\(result)")
        let error = try #require(try jsonObjects(result.stdout).last?["error"] as? [String: Any], "\(result)")
        #expect(error["kind"] as? String == "usage")
    }

    /// The environment of a spool in `bucket` (`spool.backend: s3`, the `spool.s3.*` keys).
    private func environment(_ bucket: S3Configuration, prefix: String = "spool") -> [String: String] {
        var environment = [
            "EVENTSPOOL_SPOOL_BACKEND": "s3", "EVENTSPOOL_SPOOL_S3_ENDPOINT": bucket.endpoint,
            "EVENTSPOOL_SPOOL_S3_BUCKET": bucket.bucket, "EVENTSPOOL_SPOOL_S3_PREFIX": prefix,
        ]
        if let credentials = bucket.credentials {
            environment["EVENTSPOOL_SPOOL_S3_ACCESS_KEY_ID"] = credentials.accessKeyID
            environment["EVENTSPOOL_SPOOL_S3_SECRET_ACCESS_KEY"] = credentials.secretAccessKey
        }
        return environment
    }

    @Test("a SeaweedFS bucket passes: exit 0, every race in the JSON, the pass recorded, no secret printed")
    func seaweedFSPasses() async throws {
        let server = try await S3TestServer.shared(.seaweedfs)
        let bucket = try await server.makeBucket()
        let result = try await BuiltExecutable.run(
            "spoolctl",
            ["doctor", "--json", "--rounds", "2", "--writers", "4"],
            environment: environment(bucket)
        )
        #expect(result.status == 0, "\(result)")
        let object = try #require(try jsonObjects(result.stdout).first, "\(result)")
        #expect(object["backend"] as? String == "s3")
        #expect(object["location"] as? String == "s3://\(bucket.bucket)/spool")
        #expect(object["passed"] as? Bool == true && object["recorded"] as? Bool == true, "\(result)")
        #expect((object["server"] as? String)?.hasPrefix("SeaweedFS") == true)
        #expect((object["write"] as? [String: Any])?["ok"] as? Bool == true)
        let probe = try #require(object["probe"] as? [String: Any])
        let races = try #require(probe["races"] as? [[String: Any]])
        #expect(races.compactMap { $0["race"] as? String } == ["create", "replace", "delete"])
        #expect(races.allSatisfy { $0["rounds"] as? Int == 2 && $0["passedRounds"] as? Int == 2 }, "\(result)")
        #expect((probe["failedRounds"] as? [Any])?.isEmpty == true)
        let secret = try #require(bucket.credentials?.secretAccessKey)
        #expect(!result.stdout.contains(secret) && !result.stderr.contains(secret))

        let text = try await BuiltExecutable.run(
            "spoolctl",
            ["doctor", "--rounds", "1", "--writers", "2"],
            environment: environment(bucket)
        )
        #expect(text.status == 0, "\(text)")
        #expect(text.stdout.contains("create: 1/1 rounds with one winner of 2"), "\(text)")
        #expect(
            text.stdout.contains(
                "the store's conditional writes are atomic; recorded in s3://\(bucket.bucket)/spool/probe/passed"
            ),
            "\(text)"
        )
    }

    @Test("a store whose conditional writes are not atomic fails: exit 1, the failed rounds named")
    func nonAtomicStoreFails() async throws {
        let server = try await S3TestServer.sharedNonAtomicMoto()
        let bucket = try await server.makeBucket()
        let result = try await BuiltExecutable.run(
            "spoolctl",
            ["doctor", "--rounds", "30", "--writers", "16"],
            environment: environment(bucket)
        )
        #expect(result.status == 1, "\(result)")
        #expect(result.stdout.contains("  failed: "), "\(result)")
        #expect(
            result.stdout.contains("FAILED: the store's conditional writes are not atomic: "),
            "\(result)"
        )
        #expect(result.stdout.contains("EventSpool refuses to run a sweeper lease on it"), "\(result)")
    }

    @Test("a store that does not answer is 69, a missing bucket 73, each with its JSON error line")
    func unreachableAndMissing() async throws {
        let server = try await S3TestServer.shared(.moto)
        var missing = server.configuration(bucket: "no-such-bucket")
        missing.credentials = nil
        let closed = S3Configuration(endpoint: "http://127.0.0.1:1", bucket: "nowhere")
        for (configuration, status, kind) in [(closed, 69, "unavailable"), (missing, 73, "cannotOpenSpool")] {
            let result = try await BuiltExecutable.run(
                "spoolctl",
                ["doctor", "--json", "--rounds", "1", "--writers", "2"],
                environment: environment(configuration)
            )
            #expect(result.status == Int32(status), "\(result)")
            let error = try #require(try jsonObjects(result.stdout).last?["error"] as? [String: Any], "\(result)")
            #expect(error["kind"] as? String == kind, "\(result)")
        }
    }
}
