import EventSpool
import Foundation
import TestSupport
import Testing

/// `make demo`'s program, smaller: it must end with nothing lost.
@Suite("eventspool-demo")
struct DemoTests {
    @Test("publishes through an outage and a 503 spell, sweeps, and loses nothing")
    func demoLosesNothing() async throws {
        try await withTemporaryDirectory { directory in
            let result = try await BuiltExecutable.run(
                "eventspool-demo",
                ["--events", "400", "--concurrency", "8", "--directory", directory.path + "/demo-spool"]
            )
            #expect(result.status == 0, "\(result)")
            let lost = result.stdout.split(separator: "\n").first { $0.hasPrefix("lost") }
            #expect(lost?.split(separator: " ").last == "0", "\(result)")
            let published = result.stdout.split(separator: "\n").first { $0.hasPrefix("published ") }
            #expect(published?.split(separator: " ").last == "400", "\(result)")
            let spooled = result.stdout.split(separator: "\n").first { $0.hasPrefix("spooled ") }
            #expect((spooled?.split(separator: " ").last).flatMap { Int($0) } ?? 0 > 0, "\(result)")
        }
    }

    /// `make demo-s3`'s program against the test SeaweedFS: two publisher processes, two sweeper processes with
    /// different host ids, one bucket; nothing lost, nothing delivered twice, every sweeper process accounted for.
    @Test("publishes into a bucket from two processes, drains it with two sweepers, and loses nothing")
    func s3DemoLosesNothing() async throws {
        let server = try await S3TestServer.shared(.seaweedfs)
        let bucket = try await server.makeBucket()
        let credentials = try #require(bucket.credentials)
        let result = try await BuiltExecutable.run(
            "eventspool-demo",
            ["--events", "400", "--concurrency", "8", "--s3-endpoint", bucket.endpoint, "--bucket", bucket.bucket],
            environment: [
                "S3_ACCESS_KEY_ID": credentials.accessKeyID, "S3_SECRET_ACCESS_KEY": credentials.secretAccessKey,
            ]
        )
        #expect(result.status == 0, "\(result)")
        let rows = Dictionary(
            result.stdout.split(separator: "\n").compactMap { line -> (String, Int)? in
                guard let last = line.split(separator: " ").last, let value = Int(last) else { return nil }
                return (line.dropLast(last.count).trimmingCharacters(in: .whitespaces), value)
            },
            uniquingKeysWith: { first, _ in first }
        )
        #expect(rows["published"] == 400, "\(result)")
        #expect(rows["lost"] == 0, "\(result)")
        #expect(rows["duplicates seen by the broker"] == 0, "\(result)")
        let spooled = try #require(rows["spooled (in the bucket)"], "\(result)")
        #expect(spooled > 0)
        #expect(rows["delivered by the sweepers"] == spooled, "\(result)")
        #expect(
            (rows["delivered by sweeper-a"] ?? -1) + (rows["delivered by sweeper-b"] ?? -1) == spooled,
            "\(result)"
        )
    }
}
