import EventSpool
import EventSpoolTesting
import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// With `--json`, every subcommand writes only JSON on standard output — one object per line, every field
/// always there (`null` when it has no value) — also when it fails: then a last line `{"error": …}` whose
/// status is the exit status. Each output here is read with a JSON parser.
@Suite("spoolctl --json")
struct JSONOutputTests {
    static let rowFields = [
        "id", "type", "source", "key", "state", "attempts", "createdAt", "nextAttemptAt", "lastError", "deadReason",
        "size", "time", "subject", "orderingKey", "readError",
    ]
    static let changeFields = ["action", "id", "type", "key", "from", "to", "previousKey"]

    /// Checks that `object` has every one of `fields` (a value or null), and no others.
    private func expectFields(
        _ object: [String: Any],
        _ fields: [String],
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(Set(object.keys) == Set(fields), "\(object)", sourceLocation: sourceLocation)
    }

    /// Runs spoolctl with `--json` and checks that standard output is JSON Lines; returns the objects.
    private func run(
        _ arguments: [String],
        status: Int32,
        environment: [String: String] = [:],
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> [[String: Any]] {
        let result = try await BuiltExecutable.run("spoolctl", arguments + ["--json"], environment: environment)
        #expect(result.status == status, "\(arguments): \(result)", sourceLocation: sourceLocation)
        let objects = try jsonObjects(result.stdout, sourceLocation: sourceLocation)
        if status > 1 {
            // A failure ends with its error object, whose status is the exit status.
            let error = try #require(
                objects.last?["error"] as? [String: Any],
                "\(result)",
                sourceLocation: sourceLocation
            )
            #expect(error["status"] as? Int == Int(status), "\(result)", sourceLocation: sourceLocation)
            #expect(error["message"] is String && error["kind"] is String, sourceLocation: sourceLocation)
        } else {
            #expect(!objects.contains { $0["error"] is [String: Any] }, "\(result)", sourceLocation: sourceLocation)
        }
        return objects
    }

    @Test("publish: one object, outcome, id, key and reason always there")
    func publish() async throws {
        try await withTemporaryDirectory { directory in
            let spool = ["--spool-dir", directory.path + "/spool"]
            let event = ["publish", "--type", "com.example.test", "--source", "/tests", "--data", "{}"]
            try await withTestBroker { broker in
                let url = ["--broker-url", broker.url]
                let delivered = try await run(event + spool + url, status: 0)
                expectFields(delivered[0], ["outcome", "id", "key", "reason"])
                #expect(delivered[0]["outcome"] as? String == "delivered" && delivered[0]["key"] is NSNull)

                broker.setDefaultBehavior(.status(503))
                let spooled = try await run(event + spool + url, status: 0)
                #expect(spooled[0]["outcome"] as? String == "spooled" && spooled[0]["key"] is String)

                // Neither: the outcome line says so, and no error object repeats it.
                let failed = try await run(
                    event + spool + url,
                    status: 1,
                    environment: ["EVENTSPOOL_SPOOL_MAX_BYTES": "1"]
                )
                #expect(failed.count == 1 && failed[0]["outcome"] as? String == "failed", "\(failed)")
                _ = try await run(event + ["--id", "has space"] + spool + url, status: 65)
            }
        }
    }

    @Test("list, show, stats and verify: every field of every row, null when unset")
    func inspection() async throws {
        try await withTemporaryDirectory { directory in
            try await ExitCodeScene.make(in: directory, corrupt: false)
            let spool = ["--spool-dir", directory.path + "/spool"]

            let rows = try await run(["list", "--all"] + spool, status: 0)
            #expect(rows.count == 6, "\(rows)")
            for row in rows { expectFields(row, Self.rowFields) }
            let dead = try #require(rows.first { $0["id"] as? String == "evt-dead-1" })
            #expect(dead["nextAttemptAt"] is NSNull && dead["deadReason"] as? String == "permanent failure")
            let planted = try #require(rows.first { $0["state"] as? String == "quarantine" })
            #expect(planted["id"] is NSNull && planted["readError"] is String, "\(planted)")

            let shown = try await run(["show", "evt-alpha-1"] + spool, status: 0)
            expectFields(
                shown[0],
                Self.rowFields + [
                    "contentType", "extensions", "traceparent", "firstAttemptAt", "lastAttemptAt", "history",
                ]
            )

            let stats = try await run(["stats"] + spool, status: 0)
            let states = try #require(stats[0]["states"] as? [[String: Any]])
            #expect(states.map { $0["state"] as? String } == ["pending", "held", "dead", "quarantine"])
            let quarantine = try #require(states.last?["total"] as? [String: Any])
            expectFields(quarantine, ["events", "objects", "bytes", "oldestAgeSeconds"])

            let verified = try await run(["verify", "--include-quarantine"] + spool, status: 1)
            expectFields(verified[0], ["checked", "bad"])
            let bad = try #require((verified[0]["bad"] as? [[String: Any]])?.first)
            expectFields(bad, ["state", "key", "reason", "quarantined", "quarantineKey"])
            #expect(bad["key"] as? String == SafeInspectionTests.plantedKey)

            _ = try await run(["show", "evt-nothing"] + spool, status: 66)
            _ = try await run(["show", "evt-alpha"] + spool, status: 64)
            _ = try await run(["list", "--spool-dir", directory.path + "/typo"], status: 73)
            _ = try await run(["list", "--limit", "0"] + spool, status: 64)
            _ = try await run(["frobnicate"], status: 64)
        }
    }

    @Test("sweep and replay: the report, also when the lock is held; replay --dry-run: rows")
    func sweepAndReplay() async throws {
        try await withTemporaryDirectory { directory in
            try await ExitCodeScene.make(in: directory, corrupt: false)
            let spoolPath = directory.path + "/spool"
            try await withTestBroker { broker in
                let options = ["--spool-dir", spoolPath, "--broker-url", broker.url]
                let wouldSend = try await run(["replay", "--all", "--dry-run"] + options, status: 0)
                #expect(wouldSend.count == 3, "\(wouldSend)")
                for row in wouldSend { expectFields(row, Self.rowFields) }
                #expect(broker.requestCount == 0)

                let lock = try ExitCodeScene.holdLock(of: spoolPath)
                let held = try await run(["sweep"] + options, status: 0)
                #expect(held.count == 1 && held[0]["lockHeld"] as? Bool == true, "\(held)")
                #expect(held[0]["remaining"] is NSNull, "\(held)")
                _ = try await run(["replay", "--all"] + options, status: 75)
                _ = try await run(["purge", "--dead", "--yes"] + options, status: 75)
                close(lock)

                let replayed = try await run(["replay", "evt-alpha-1"] + options, status: 0)
                #expect(replayed[0]["kind"] as? String == "replay" && replayed[0]["delivered"] as? Int == 1)
                let swept = try await run(["sweep"] + options, status: 0)
                #expect(swept[0]["kind"] as? String == "sweep" && swept[0]["remaining"] as? Int == 0, "\(swept)")
                for report in [replayed[0], swept[0]] {
                    #expect(report["oldestPendingAgeSeconds"] != nil && report["notDelivered"] is [Any])
                }
            }
        }
    }

    @Test("purge, requeue, hold and release: one line per event changed")
    func changes() async throws {
        try await withTemporaryDirectory { directory in
            try await ExitCodeScene.make(in: directory, corrupt: false)
            let spool = ["--spool-dir", directory.path + "/spool"]
            let held = try await run(["hold", "evt-alpha-1"] + spool, status: 0)
            #expect(held.map { $0["action"] as? String } == ["held"])
            let released = try await run(["release", "--all"] + spool, status: 0)
            #expect(Set(released.map { $0["id"] as? String }) == ["evt-alpha-1", "evt-held-1"], "\(released)")
            let requeued = try await run(["requeue", "evt-dead-1"] + spool, status: 0)
            #expect(requeued[0]["previousKey"] is String && requeued[0]["to"] as? String == "pending", "\(requeued)")
            let wouldRemove = try await run(["purge", "--pending", "--dry-run"] + spool, status: 0)
            #expect(wouldRemove.count == 5 && wouldRemove.allSatisfy { $0["action"] as? String == "wouldRemove" })
            let removed = try await run(["purge", "--quarantine", "--yes"] + spool, status: 0)
            #expect(removed.count == 1 && removed[0]["id"] is NSNull && removed[0]["to"] is NSNull, "\(removed)")
            for line in held + released + requeued + wouldRemove + removed { expectFields(line, Self.changeFields) }
            _ = try await run(["hold", "evt-nothing"] + spool, status: 66)
            _ = try await run(["release"] + spool, status: 64)
        }
    }

    @Test("migrate: a failure ends with its error line (the lines of a move: MigrateCommandTests)")
    func migrate() async throws {
        try await withTemporaryDirectory { directory in
            try await ExitCodeScene.make(in: directory, corrupt: false)
            let spool = ["--spool-dir", directory.path + "/spool"]
            _ = try await run(["migrate", "--to", "s3"] + spool, status: 78)
            _ = try await run(["migrate"] + spool, status: 64)
            let unreachable = try await run(
                ["migrate", "--to", "s3", "--dry-run"] + spool,
                status: 69,
                environment: ExitCodeTests.unreachableBucket
            )
            let error = try #require(unreachable.last?["error"] as? [String: Any])
            #expect(error["kind"] as? String == "unavailable", "\(unreachable)")
        }
    }
}
