import EventSpool
import EventSpoolTesting
import Foundation
import Logging
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Every subcommand, run as the built binary against a real spool directory and a real loopback broker.
@Suite("spoolctl commands")
struct SpoolctlCommandTests {
    /// Spooled events are due at once, so a sweep right after a publish delivers them.
    static let dueAtOnce = ["EVENTSPOOL_RETRY_BASE_DELAY": "0s"]

    /// Runs `spoolctl publish --type com.example.test --source /tests --id <id> <arguments>`.
    private func publish(
        id: String,
        _ arguments: [String],
        environment: [String: String] = [:],
        stdin: [UInt8] = []
    ) async throws -> ProcessResult {
        try await BuiltExecutable.run(
            "spoolctl",
            ["publish", "--type", "com.example.test", "--source", "/tests", "--id", id] + arguments,
            environment: environment,
            stdin: stdin
        )
    }

    @Test("--help lists every subcommand and the exit codes")
    func help() async throws {
        let result = try await BuiltExecutable.spoolctl("--help")
        #expect(result.status == 0, "\(result)")
        for command in [
            "publish", "list", "show", "replay", "sweep", "stats", "purge", "requeue", "hold", "release", "verify",
        ] {
            #expect(result.stdout.contains(command), "\(command) missing in \(result)")
        }
        for code in ["64", "65", "66", "69", "70", "73", "74", "75", "77", "78"] {
            #expect(result.stdout.contains(code), "exit code \(code) missing in \(result)")
        }
    }

    @Test("publish with the broker down spools; list --json shows it; sweep with the broker up empties the spool")
    func publishListSweep() async throws {
        try await withTemporaryDirectory { directory in
            let spool = directory.path + "/spool"
            try await withTestBroker { broker in
                try await broker.stopListening()
                let published = try await publish(
                    id: "event-1",
                    ["--spool-dir", spool, "--broker-url", broker.url, "--data", #"{"n":1}"#],
                    environment: Self.dueAtOnce
                )
                #expect(published.status == 0, "\(published)")
                #expect(published.stdout.hasPrefix("spooled event-1 "), "\(published)")

                let listed = try await BuiltExecutable.spoolctl("list", "--json", "--spool-dir", spool)
                #expect(listed.status == 0, "\(listed)")
                let rows = listed.stdout.split(separator: "\n")
                #expect(rows.count == 1, "\(listed)")
                let row = try #require(
                    try JSONSerialization.jsonObject(with: Data((rows.first ?? "").utf8)) as? [String: Any]
                )
                #expect(row["id"] as? String == "event-1")
                #expect(row["type"] as? String == "com.example.test")
                #expect(row["source"] as? String == "/tests")
                #expect(row["state"] as? String == "pending")
                #expect(row["attempts"] as? Int == 1)
                #expect(row["size"] as? Int == 7)
                #expect(row["lastError"] is String)
                for field in ["key", "createdAt", "nextAttemptAt"] {
                    #expect(row[field] is String, "\(field) missing in \(row)")
                }

                try await broker.startListening()
                let swept = try await BuiltExecutable.spoolctl(
                    "sweep",
                    "--spool-dir",
                    spool,
                    "--broker-url",
                    broker.url
                )
                #expect(swept.status == 0, "\(swept)")
                #expect(swept.stdout.isEmpty, "\(swept)")
                #expect(swept.stderr.isEmpty, "\(swept)")
                let requests = try await broker.waitForRequests(count: 1)
                #expect(requests.map { $0.header("ce-id") } == ["event-1"])

                let after = try await BuiltExecutable.spoolctl("list", "--spool-dir", spool)
                #expect(after.status == 0, "\(after)")
                #expect(after.stdout.contains("-- 0 events"), "\(after)")
            }
        }
    }

    @Test("publish delivers when the broker is up, reading the body from standard input")
    func publishDelivered() async throws {
        try await withTemporaryDirectory { directory in
            try await withTestBroker { broker in
                let result = try await publish(
                    id: "event-2",
                    ["--json", "--spool-dir", directory.path + "/spool", "--broker-url", broker.url],
                    stdin: Array("from stdin".utf8)
                )
                #expect(result.status == 0, "\(result)")
                #expect(result.stdout.contains(#""outcome":"delivered""#), "\(result)")
                let requests = try await broker.waitForRequests(count: 1)
                #expect(requests.first?.bodyText == "from stdin")
            }
        }
    }

    @Test("publish of an invalid event is bad input (65)")
    func publishInvalid() async throws {
        try await withTemporaryDirectory { directory in
            let result = try await publish(
                id: "has space",
                ["--spool-dir", directory.path + "/spool", "--broker-url", "http://127.0.0.1:9/events", "--data", "x"]
            )
            #expect(result.status == 65, "\(result)")
            #expect(result.stderr.contains("id"), "\(result)")
        }
    }

    @Test("sweep exits 0 without a word while another sweeper holds the lock")
    func sweepLockHeld() async throws {
        try await withTemporaryDirectory { directory in
            let spool = directory.appendingPathComponent("spool")
            try await SpoolFixture.put(events: 1, into: spool.path)
            let descriptor = open(
                spool.appendingPathComponent("sweeper.lock").path,
                O_RDWR | O_CREAT | O_CLOEXEC,
                0o600
            )
            #expect(descriptor >= 0)
            defer { close(descriptor) }
            #expect(flock(descriptor, LOCK_EX | LOCK_NB) == 0)
            try await withTestBroker { broker in
                let result = try await BuiltExecutable.spoolctl(
                    "sweep",
                    "--spool-dir",
                    spool.path,
                    "--broker-url",
                    broker.url
                )
                #expect(result.status == 0, "\(result)")
                #expect(result.stdout.isEmpty, "\(result)")
                #expect(result.stderr.isEmpty, "\(result)")
                #expect(broker.requestCount == 0)
            }
        }
    }

    @Test("purge and verify --quarantine wait for no sweeper: 75 while the lock is held, nothing changed")
    func changingCommandsRespectTheSweeperLock() async throws {
        try await withTemporaryDirectory { directory in
            let spool = directory.appendingPathComponent("spool")
            try await SpoolFixture.put(events: 2, into: spool.path)
            let before = try snapshot(of: spool).filter { $0.key.hasSuffix(".evs") }
            let descriptor = open(
                spool.appendingPathComponent("sweeper.lock").path,
                O_RDWR | O_CREAT | O_CLOEXEC,
                0o600
            )
            #expect(descriptor >= 0)
            defer { close(descriptor) }
            #expect(flock(descriptor, LOCK_EX | LOCK_NB) == 0)

            let purge = try await BuiltExecutable.spoolctl("purge", "--pending", "--yes", "--spool-dir", spool.path)
            #expect(purge.status == 75, "\(purge)")
            #expect(purge.stderr.contains("sweeper.lock"), "\(purge)")
            let verify = try await BuiltExecutable.spoolctl("verify", "--quarantine", "--spool-dir", spool.path)
            #expect(verify.status == 75, "\(verify)")
            #expect(try snapshot(of: spool).filter { $0.key.hasSuffix(".evs") } == before)

            flock(descriptor, LOCK_UN)
            let purged = try await BuiltExecutable.spoolctl("purge", "--pending", "--yes", "--spool-dir", spool.path)
            #expect(purged.status == 0, "\(purged)")
            #expect(try objectFiles(in: spool).isEmpty)
        }
    }

    @Test("purge refuses without --yes (64); --dry-run removes nothing; --yes removes")
    func purge() async throws {
        try await withTemporaryDirectory { directory in
            let spool = directory.appendingPathComponent("spool")
            let ids = try await SpoolFixture.put(events: 2, into: spool.path)
            let before = try snapshot(of: spool)

            let refused = try await BuiltExecutable.spoolctl("purge", "--pending", "--spool-dir", spool.path)
            #expect(refused.status == 64, "\(refused)")
            #expect(refused.stderr.contains("--yes"), "\(refused)")

            let dryRun = try await BuiltExecutable.spoolctl(
                "purge",
                "--pending",
                "--dry-run",
                "--spool-dir",
                spool.path
            )
            #expect(dryRun.status == 0, "\(dryRun)")
            for id in ids {
                #expect(dryRun.stdout.contains("would remove \(id)"), "\(dryRun)")
            }
            #expect(
                try snapshot(of: spool).filter { $0.key.hasSuffix(".evs") }
                    == before.filter { $0.key.hasSuffix(".evs") }
            )

            let notOldEnough = try await BuiltExecutable.spoolctl(
                "purge",
                "--pending",
                "--older-than",
                "3d",
                "--yes",
                "--spool-dir",
                spool.path
            )
            #expect(notOldEnough.status == 0, "\(notOldEnough)")
            #expect(try objectFiles(in: spool).count == 2)

            let purged = try await BuiltExecutable.spoolctl("purge", "--pending", "--yes", "--spool-dir", spool.path)
            #expect(purged.status == 0, "\(purged)")
            for id in ids {
                #expect(purged.stdout.contains("removed \(id)"), "\(purged)")
            }
            #expect(try objectFiles(in: spool).isEmpty)
        }
    }

    @Test("purge of some events of an object rewrites it with the others")
    func purgePartOfObject() async throws {
        try await withTemporaryDirectory { directory in
            let spool = directory.appendingPathComponent("spool")
            let old = Date().addingTimeInterval(-7200)
            let key = try await SpoolFixture.putObject(
                [("old-event", old), ("new-event", Date())],
                into: spool.path
            )
            let result = try await BuiltExecutable.spoolctl(
                "purge",
                "--pending",
                "--older-than",
                "1h",
                "--yes",
                "--spool-dir",
                spool.path
            )
            #expect(result.status == 0, "\(result)")
            #expect(result.stdout.contains("removed old-event \(key)"), "\(result)")
            let listed = try await BuiltExecutable.spoolctl("list", "--json", "--spool-dir", spool.path)
            #expect(listed.stdout.contains("new-event"), "\(listed)")
            #expect(!listed.stdout.contains("old-event"), "\(listed)")
        }
    }

    @Test("replay --dead delivers a dead event, which leaves dead/")
    func replayDead() async throws {
        try await withTemporaryDirectory { directory in
            let spool = directory.appendingPathComponent("spool")
            let ids = try await SpoolFixture.put(events: 1, into: spool.path, state: .dead)
            try await withTestBroker { broker in
                let result = try await BuiltExecutable.spoolctl(
                    "replay",
                    "--dead",
                    "--spool-dir",
                    spool.path,
                    "--broker-url",
                    broker.url
                )
                #expect(result.status == 0, "\(result)")
                let requests = try await broker.waitForRequests(count: 1)
                #expect(requests.map { $0.header("ce-id") } == ids)
            }
            let dead = try await BuiltExecutable.spoolctl("list", "--dead", "--json", "--spool-dir", spool.path)
            // Empty output proves dead/ empty only from a run that succeeded: a crash prints nothing either.
            #expect(dead.status == 0 && dead.stdout.isEmpty, "\(dead)")
            #expect(dead.stderr.contains("-- 0 events"), "\(dead)")
        }
    }

    @Test("replay by id delivers that event only; --dry-run sends nothing; an unknown id is 66, sending nothing")
    func replayByID() async throws {
        try await withTemporaryDirectory { directory in
            let spool = directory.appendingPathComponent("spool")
            let ids = try await SpoolFixture.put(events: 2, into: spool.path)
            try await withTestBroker { broker in
                let dryRun = try await BuiltExecutable.spoolctl(
                    "replay",
                    ids[0],
                    "--dry-run",
                    "--spool-dir",
                    spool.path,
                    "--broker-url",
                    broker.url
                )
                #expect(dryRun.status == 0, "\(dryRun)")
                #expect(broker.requestCount == 0)

                let replayed = try await BuiltExecutable.spoolctl(
                    "replay",
                    ids[0],
                    "--spool-dir",
                    spool.path,
                    "--broker-url",
                    broker.url
                )
                #expect(replayed.status == 0, "\(replayed)")
                #expect(broker.requests.map { $0.header("ce-id") } == [ids[0]])

                let missing = try await BuiltExecutable.spoolctl(
                    "replay",
                    "no-such-event",
                    "--spool-dir",
                    spool.path,
                    "--broker-url",
                    broker.url
                )
                #expect(missing.status == 66, "\(missing)")
                #expect(missing.stderr.contains("no-such-event"), "\(missing)")
                #expect(broker.requestCount == 1)
            }
            let left = try await BuiltExecutable.spoolctl("list", "--json", "--spool-dir", spool.path)
            #expect(left.stdout.contains(ids[1]) && !left.stdout.contains(ids[0]), "\(left)")
        }
    }

    @Test("replay needs ids, --all or --dead (64)")
    func replayNeedsSelection() async throws {
        let result = try await BuiltExecutable.spoolctl("replay")
        #expect(result.status == 64, "\(result)")
    }

    @Test("a configuration error leaves an existing spool unchanged")
    func configurationErrorLeavesSpoolAlone() async throws {
        try await withTemporaryDirectory { directory in
            let spool = directory.appendingPathComponent("spool")
            try await SpoolFixture.put(events: 2, into: spool.path)
            let before = try snapshot(of: spool)
            let file = try write(#"{"spool": {"maxObjects": -1}}"#, to: "bad.json", in: directory)
            let result = try await BuiltExecutable.spoolctl(
                "purge",
                "--pending",
                "--yes",
                "--config",
                file,
                "--spool-dir",
                spool.path
            )
            #expect(result.status == 78, "\(result)")
            #expect(result.stderr.contains("spool.maxObjects"), "\(result)")
            #expect(try snapshot(of: spool) == before)
        }
    }
}
