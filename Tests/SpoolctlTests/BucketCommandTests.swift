import EventSpool
import EventSpoolTesting
import Foundation
import TestSupport
import Testing

/// spoolctl on a bucket (`spool.backend: s3`, a real SeaweedFS): the same commands, the same JSON and exit
/// statuses as on a directory; messages name `s3://bucket/prefix`, never a credential.
@Suite("spoolctl on a bucket")
struct BucketCommandTests {
    /// The ids of the JSON rows in `text`.
    private func ids(_ text: String) throws -> [String] {
        try jsonObjects(text).compactMap { $0["id"] as? String }
    }

    @Test("list, show, stats, verify and purge --dry-run read a bucket as they read a directory")
    func readingCommands() async throws {
        try await withTemporaryDirectory { folder in
            let scene = try await BucketScene.make(in: folder)
            let keys = try await scene.put(
                objects: [[FixtureEvent(id: "evt-b1")], [FixtureEvent(id: "evt-b2"), FixtureEvent(id: "evt-b3")]]
            )
            try await scene.put(objects: [[FixtureEvent(id: "evt-bdead", deadReason: "HTTP 400")]], state: .dead)

            let list = try await scene.spoolctl(["list", "--json"])
            #expect(list.status == 0, "\(list)")
            #expect(try ids(list.stdout) == ["evt-b1", "evt-b2", "evt-b3"], "\(list)")
            let dead = try await scene.spoolctl(["list", "--dead", "--json"])
            #expect(try ids(dead.stdout) == ["evt-bdead"], "\(dead)")

            let show = try await scene.spoolctl(["show", "evt-b2", "--json"])
            #expect(show.status == 0, "\(show)")
            let detail = try jsonObject(show.stdout)
            #expect(detail["id"] as? String == "evt-b2" && detail["key"] as? String == keys[1], "\(show)")
            let raw = try await scene.spoolctl(["show", keys[0], "--raw"])
            #expect(raw.status == 0, "\(raw)")
            #expect(try await raw.stdoutBytes == scene.bytes(of: keys[0], in: .pending), "\(raw)")
            let missing = try await scene.spoolctl(["show", "evt-nothing"])
            #expect(missing.status == 66 && missing.stderr.contains(scene.location), "\(missing)")

            let stats = try await scene.spoolctl(["stats", "--json"])
            #expect(stats.status == 0, "\(stats)")
            let states = try #require(try jsonObject(stats.stdout)["states"] as? [[String: Any]], "\(stats)")
            func total(_ state: String) -> [String: Any]? {
                states.first { $0["state"] as? String == state }?["total"] as? [String: Any]
            }
            #expect(total("pending")?["events"] as? Int == 3 && total("pending")?["objects"] as? Int == 2, "\(stats)")
            #expect(total("dead")?["events"] as? Int == 1, "\(stats)")

            let verify = try await scene.spoolctl(["verify", "--json"])
            #expect(verify.status == 0, "\(verify)")
            let checked = try jsonObject(verify.stdout)
            #expect(checked["checked"] as? Int == 3 && (checked["bad"] as? [Any])?.isEmpty == true, "\(verify)")

            let dryRun = try await scene.spoolctl(["purge", "--pending", "--dry-run", "--json"])
            #expect(dryRun.status == 0, "\(dryRun)")
            let actions = try jsonObjects(dryRun.stdout).compactMap { $0["action"] as? String }
            #expect(actions == ["wouldRemove", "wouldRemove", "wouldRemove"], "\(dryRun)")
            #expect(try await scene.keys(in: .pending) == keys, "a dry run removes nothing")
            #expect(!FileManager.default.fileExists(atPath: scene.directory), "reading made no local last resort")
        }
    }

    @Test("list and stats read the bucket and its local last resort as one spool, in key order")
    func lastResortIsListedWithTheBucket() async throws {
        try await withTemporaryDirectory { folder in
            let scene = try await BucketScene.make(in: folder)
            try await scene.put(objects: [[FixtureEvent(id: "evt-in-bucket")]])
            try await SpoolFixture.put(objects: [[FixtureEvent(id: "evt-on-disk")]], into: scene.directory)
            let list = try await scene.spoolctl(["list", "--json"])
            #expect(list.status == 0, "\(list)")
            #expect(try ids(list.stdout) == ["evt-in-bucket", "evt-on-disk"], "\(list)")
            let show = try await scene.spoolctl(["show", "evt-on-disk", "--json"])
            #expect(try jsonObject(show.stdout)["id"] as? String == "evt-on-disk", "\(show)")
        }
    }

    @Test("sweep delivers a bucket's events to the broker and empties pending/; the report names the bucket")
    func sweepDrainsTheBucket() async throws {
        try await withTemporaryDirectory { folder in
            let scene = try await BucketScene.make(in: folder)
            try await scene.put(
                objects: [[FixtureEvent(id: "evt-s1")], [FixtureEvent(id: "evt-s2"), FixtureEvent(id: "evt-s3")]]
            )
            try await withTestBroker { broker in
                let swept = try await scene.spoolctl(
                    ["sweep", "--json", "--broker-url", broker.url],
                    environment: SpoolctlCommandTests.dueAtOnce
                )
                #expect(swept.status == 0, "\(swept)")
                let report = try jsonObject(swept.stdout)
                #expect(report["delivered"] as? Int == 3, "\(swept)")
                #expect((report["spoolDirectory"] as? String)?.hasPrefix(scene.location) == true, "\(swept)")
                #expect(
                    Set(broker.requests.compactMap { $0.header("ce-id") }) == ["evt-s1", "evt-s2", "evt-s3"],
                    "\(swept)"
                )
            }
            #expect(try await scene.keys(in: .pending).isEmpty)
        }
    }

    @Test("hold, release, requeue and replay change a bucket's objects as a directory's")
    func surgeryAndReplay() async throws {
        try await withTemporaryDirectory { folder in
            let scene = try await BucketScene.make(in: folder)
            try await scene.put(objects: [[FixtureEvent(id: "evt-h1")], [FixtureEvent(id: "evt-r1")]])
            try await scene.put(objects: [[FixtureEvent(id: "evt-d1", deadReason: "HTTP 400")]], state: .dead)
            let held = try await scene.spoolctl(["hold", "evt-h1"])
            #expect(held.status == 0 && held.stdout.contains("held evt-h1"), "\(held)")
            #expect(try ids(try await scene.spoolctl(["list", "--held", "--json"]).stdout) == ["evt-h1"])
            let released = try await scene.spoolctl(["release", "evt-h1"])
            #expect(released.status == 0, "\(released)")
            #expect(try await scene.keys(in: .held).isEmpty)
            let requeued = try await scene.spoolctl(["requeue", "evt-d1"])
            #expect(requeued.status == 0 && requeued.stdout.contains("requeued evt-d1"), "\(requeued)")
            #expect(try await scene.keys(in: .dead).isEmpty)
            try await withTestBroker { broker in
                let replayed = try await scene.spoolctl(["replay", "evt-r1", "--json", "--broker-url", broker.url])
                #expect(replayed.status == 0, "\(replayed)")
                #expect(broker.requests.compactMap { $0.header("ce-id") } == ["evt-r1"], "\(replayed)")
            }
            let left = try await scene.spoolctl(["list", "--json"])
            #expect(Set(try ids(left.stdout)) == ["evt-h1", "evt-d1"], "\(left)")
        }
    }

    @Test("a bucket that does not exist is 73 for the commands that change objects, as for those that read")
    func missingBucketIsNoSpool() async throws {
        try await withTemporaryDirectory { folder in
            let scene = try await BucketScene.make(in: folder)
            try FileManager.default.createDirectory(atPath: scene.directory, withIntermediateDirectories: true)
            let data = try Data(contentsOf: URL(fileURLWithPath: scene.configFile))
            let text = String(decoding: data, as: UTF8.self)
                .replacingOccurrences(of: "\"\(scene.store.bucket)\"", with: "\"no-such-\(scene.store.bucket)\"")
            try text.write(toFile: scene.configFile, atomically: true, encoding: .utf8)
            for command in [["purge", "--dead", "--yes"], ["requeue", "--all"], ["list"]] {
                let result = try await scene.spoolctl(command)
                #expect(result.status == 73, "\(command): \(result)")
            }
        }
    }

    @Test("purge --yes takes the bucket's sweeper lease: 75 while another holder has it, then removes")
    func purgeTakesTheLease() async throws {
        try await withTemporaryDirectory { folder in
            let scene = try await BucketScene.make(in: folder)
            try await scene.put(objects: [[FixtureEvent(id: "evt-p1", deadReason: "HTTP 400")]], state: .dead)
            try await scene.withSpool { spool in
                let lease = try #require(try await spool.tryAcquireSweeperLease())
                let busy = try await scene.spoolctl(["purge", "--dead", "--yes", "--json"])
                #expect(busy.status == 75 && busy.stderr.contains(scene.location), "\(busy)")
                let error = try #require(try jsonObjects(busy.stdout).last?["error"] as? [String: Any], "\(busy)")
                #expect(error["kind"] as? String == "busy", "\(busy)")
                #expect(try await scene.keys(in: .dead).count == 1, "nothing removed while the lease is held")
                await lease.release()
            }
            let purged = try await scene.spoolctl(["purge", "--dead", "--yes"])
            #expect(purged.status == 0 && purged.stdout.contains("removed evt-p1"), "\(purged)")
            #expect(try await scene.keys(in: .dead).isEmpty)
            // The lease was released: a sweeper can take it again.
            try await scene.withSpool { spool in
                let lease = try await spool.tryAcquireSweeperLease()
                #expect(lease != nil, "spoolctl released the lease it took")
                await lease?.release()
            }
        }
    }

    @Test(
        "a store that does not answer or refuses the credentials: 69 naming s3://bucket/, no form of the secret",
        arguments: [true, false]
    )
    func unavailableStoreLeaksNoSecret(closedPort: Bool) async throws {
        let secret = "Wr0ngS3cretKey/+=forTheLeakCheck9876543210"
        try await withTemporaryDirectory { folder in
            // Port 9 (discard) has no listener on the loopback: every connection is refused.
            let scene = try await BucketScene.make(
                in: folder,
                endpoint: closedPort ? "http://127.0.0.1:9" : nil,
                secret: secret
            )
            let check = SecretLeakCheck(secrets: [secret])
            for command in [["list"], ["stats"], ["verify"], ["purge", "--dead", "--yes"], ["migrate", "--to", "s3"]] {
                if command.first == "migrate" {
                    try await SpoolFixture.put(objects: [[FixtureEvent(id: "evt-leak")]], into: scene.directory)
                }
                let result = try await scene.spoolctl(command + ["--json", "--verbose"])
                #expect(result.status == 69, "\(command): \(result)")
                #expect(result.stderr.contains(scene.location), "\(command): \(result)")
                let error = try #require(try jsonObjects(result.stdout).last?["error"] as? [String: Any], "\(result)")
                #expect(error["kind"] as? String == "unavailable", "\(command): \(result)")
                #expect(check.leaks(in: Array(result.stdout.utf8) + Array(result.stderr.utf8)).isEmpty, "\(result)")
            }
        }
    }
}
