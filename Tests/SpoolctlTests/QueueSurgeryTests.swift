import EventSpool
import EventSpoolTesting
import Foundation
import TestSupport
import Testing

/// Queue surgery as `postsuper` does it — purge, requeue, hold, release — and what `replay` and `list` tell
/// an operator, through the built binary against a real spool and broker.
@Suite("spoolctl queue surgery")
struct QueueSurgeryTests {
    /// One delivery at a time, in key order, so that a broker's scripted answers meet known events.
    static let oneAtATime = ["EVENTSPOOL_SWEEPER_CONCURRENCY": "1"]

    @Test("purge by id, unique prefix, --type and --since/--until; an ambiguous prefix names the candidates")
    func purgeSelections() async throws {
        try await withTemporaryDirectory { directory in
            let spool = directory.appendingPathComponent("spool").path
            let old = Date(timeIntervalSinceNow: -3 * 86_400)
            try await SpoolFixture.put(
                objects: [
                    [FixtureEvent(id: "evt-old", spooledAt: old)], [FixtureEvent(id: "evt-order-1")],
                    [FixtureEvent(id: "evt-order-2", type: "com.example.order")], [FixtureEvent(id: "evt-user-1")],
                ],
                into: spool
            )
            let ambiguous = try await BuiltExecutable.spoolctl("purge", "evt-order", "--yes", "--spool-dir", spool)
            #expect(ambiguous.status == 64, "\(ambiguous)")
            #expect(
                ambiguous.stderr.contains("evt-order-1") && ambiguous.stderr.contains("evt-order-2"),
                "\(ambiguous)"
            )

            let byPrefix = try await BuiltExecutable.spoolctl("purge", "evt-user", "--yes", "--spool-dir", spool)
            #expect(byPrefix.status == 0 && byPrefix.stdout.contains("removed evt-user-1"), "\(byPrefix)")
            let byType = try await BuiltExecutable.spoolctl(
                "purge",
                "--pending",
                "--type",
                "com.example.order",
                "--yes",
                "--spool-dir",
                spool
            )
            #expect(
                byType.stdout.split(separator: "\n").map { $0.split(separator: " ")[1] } == ["evt-order-2"],
                "\(byType)"
            )
            let byTime = try await BuiltExecutable.spoolctl(
                "purge",
                "--pending",
                "--until",
                "1d",
                "--yes",
                "--spool-dir",
                spool
            )
            #expect(
                byTime.stdout.split(separator: "\n").map { $0.split(separator: " ")[1] } == ["evt-old"],
                "\(byTime)"
            )
            let left = try await SpoolFixture.events(in: .pending, of: spool).map(\.event.id)
            #expect(left == ["evt-order-1"])
        }
    }

    @Test("requeue gives a dead event a fresh start in pending/, behind the others, and delivers nothing now")
    func requeue() async throws {
        try await withTemporaryDirectory { directory in
            let spool = directory.appendingPathComponent("spool").path
            let old = Date(timeIntervalSinceNow: -4 * 86_400)
            try await SpoolFixture.put(
                objects: [[FixtureEvent(id: "evt-dead", spooledAt: old, deadReason: "gave up after 20 attempts")]],
                into: spool,
                state: .dead
            )
            try await SpoolFixture.put(objects: [[FixtureEvent(id: "evt-waiting")]], into: spool)
            let result = try await BuiltExecutable.spoolctl("requeue", "evt-dead", "--spool-dir", spool)
            #expect(result.status == 0 && result.stdout.hasPrefix("requeued evt-dead "), "\(result)")
            let pending = try await SpoolFixture.events(in: .pending, of: spool)
            #expect(pending.map(\.event.id) == ["evt-waiting", "evt-dead"])
            let requeued = try #require(pending.last?.delivery)
            #expect(requeued.attempts == 0 && requeued.deadReason == nil && requeued.history.count == 1)
            #expect(requeued.spooledAt > old.addingTimeInterval(86_400) && requeued.nextAttemptAt <= Date())
            #expect(try await SpoolFixture.events(in: .dead, of: spool).isEmpty)
        }
    }

    @Test("a held event is not swept, holds back the later events of its ordering key, and goes in order once released")
    func holdAndRelease() async throws {
        try await withTemporaryDirectory { directory in
            let spool = directory.appendingPathComponent("spool").path
            try await SpoolFixture.put(
                objects: [
                    [FixtureEvent(id: "evt-a1", orderingKey: "order-7")], [FixtureEvent(id: "evt-free")],
                    [FixtureEvent(id: "evt-a2", orderingKey: "order-7")],
                    [FixtureEvent(id: "evt-b1", orderingKey: "order-8")],
                    [FixtureEvent(id: "evt-c1", orderingKey: "order-9")],
                ],
                into: spool
            )
            let held = try await BuiltExecutable.spoolctl("hold", "evt-a1", "evt-c1", "--spool-dir", spool)
            #expect(held.status == 0 && held.stdout.hasPrefix("held evt-a1 "), "\(held)")
            let listed = try await BuiltExecutable.spoolctl("list", "--all", "--spool-dir", spool)
            #expect(listed.stdout.hasPrefix("STATE"), "\(listed)")
            #expect(
                listed.stdout.contains("held        evt-a1") && listed.stdout.contains("pending     evt-a2"),
                "\(listed)"
            )

            try await withTestBroker { broker in
                let options = ["--spool-dir", spool, "--broker-url", broker.url]
                let swept = try await BuiltExecutable.run(
                    "spoolctl",
                    ["sweep", "--json"] + options,
                    environment: Self.oneAtATime
                )
                let report = try jsonObject(swept.stdout)
                #expect(report["delivered"] as? Int == 2 && report["deferred"] as? Int == 1, "\(swept)")
                #expect(broker.requests.map(\.eventID) == ["evt-free", "evt-b1"])

                // evt-c1, held, is the only event of its key: the sweep keeps the key's mark all the same, so a
                // new event of the key is spooled, not sent past it.
                for (id, key) in [("evt-a3", "order-7"), ("evt-c2", "order-9")] {
                    let published = try await BuiltExecutable.run(
                        "spoolctl",
                        ["publish", "--type", "t", "--source", "/s", "--id", id, "--ordering-key", key, "--data", "{}"]
                            + options
                    )
                    #expect(published.stdout.hasPrefix("spooled \(id)"), "\(published)")
                }
                let replayed = try await BuiltExecutable.run(
                    "spoolctl",
                    ["replay", "--all"] + options,
                    environment: Self.oneAtATime
                )
                #expect(replayed.status == 1 && replayed.stdout.contains("evt-a2"), "\(replayed)")
                #expect(
                    replayed.stdout.contains("held back: an earlier event of ordering key 'order-7' is held"),
                    "\(replayed)"
                )
                #expect(broker.requestCount == 2)

                let released = try await BuiltExecutable.spoolctl("release", "--all", "--spool-dir", spool)
                #expect(released.status == 0 && released.stdout.hasPrefix("released evt-a1 "), "\(released)")
                let again = try await BuiltExecutable.run("spoolctl", ["sweep"] + options, environment: Self.oneAtATime)
                #expect(again.status == 0, "\(again)")
                #expect(
                    broker.requests.map(\.eventID) == [
                        "evt-free", "evt-b1", "evt-a1", "evt-a2", "evt-c1", "evt-a3", "evt-c2",
                    ]
                )
            }
        }
    }

    @Test("holding an event of an object holds the later events of its key there; releasing brings back the earlier")
    func holdWithinOneObject() async throws {
        try await withTemporaryDirectory { directory in
            let spool = directory.appendingPathComponent("spool").path
            try await SpoolFixture.put(
                objects: [
                    [
                        FixtureEvent(id: "evt-k1", orderingKey: "k"), FixtureEvent(id: "evt-x"),
                        FixtureEvent(id: "evt-k2", orderingKey: "k"), FixtureEvent(id: "evt-k3", orderingKey: "k"),
                    ]
                ],
                into: spool
            )
            let held = try await BuiltExecutable.spoolctl("hold", "evt-k2", "--spool-dir", spool)
            #expect(
                held.stdout.split(separator: "\n").map { $0.split(separator: " ")[1] } == ["evt-k2", "evt-k3"],
                "\(held)"
            )
            #expect(try await SpoolFixture.events(in: .pending, of: spool).map(\.event.id) == ["evt-k1", "evt-x"])
            let released = try await BuiltExecutable.spoolctl("release", "evt-k3", "--spool-dir", spool)
            #expect(released.stdout.split(separator: "\n").count == 2, "\(released)")
            #expect(
                try await SpoolFixture.events(in: .pending, of: spool).map(\.event.id)
                    == ["evt-k1", "evt-x", "evt-k2", "evt-k3"]
            )
        }
    }

    @Test("holding an unreadable object named by its key is an I/O error (74); met on a walk, it is skipped")
    func holdUnreadable() async throws {
        try await withTemporaryDirectory { directory in
            let spool = directory.appendingPathComponent("spool")
            let keys = try await SpoolFixture.put(
                objects: [[FixtureEvent(id: "evt-torn")], [FixtureEvent(id: "evt-whole")]],
                into: spool.path
            )
            let victim = try #require(try objectFiles(in: spool).first)
            var bytes = try [UInt8](Data(contentsOf: victim))
            bytes[bytes.count - 1] ^= 0x01
            try Data(bytes).write(to: victim)

            let named = try await BuiltExecutable.spoolctl("hold", keys[0], "--spool-dir", spool.path)
            #expect(named.status == 74 && named.stderr.contains("cannot hold pending/\(keys[0])"), "\(named)")
            let walked = try await BuiltExecutable.spoolctl("hold", "--all", "--spool-dir", spool.path)
            #expect(walked.status == 0 && walked.stdout.hasPrefix("held evt-whole "), "\(walked)")
            #expect(walked.stderr.contains("skipping an unreadable object"), "\(walked)")
        }
    }

    @Test("replay --dry-run of one event also lists the earlier pending events of its ordering key, sent first")
    func dryRunListsTheOrderingPrefix() async throws {
        try await withTemporaryDirectory { directory in
            let spool = directory.appendingPathComponent("spool").path
            try await SpoolFixture.put(
                objects: [
                    [FixtureEvent(id: "evt-first", orderingKey: "order-7")],
                    [FixtureEvent(id: "evt-other", orderingKey: "order-8")],
                    [FixtureEvent(id: "evt-second", type: "com.example.picked", orderingKey: "order-7")],
                    [FixtureEvent(id: "evt-later", orderingKey: "order-7")],
                ],
                into: spool
            )
            let dryRun = try await BuiltExecutable.run(
                "spoolctl",
                ["replay", "evt-second", "--dry-run", "--json", "--spool-dir", spool]
            )
            #expect(dryRun.status == 0, "\(dryRun)")
            let ids = dryRun.stdout.split(separator: "\n").compactMap { line in
                (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["id"] as? String
            }
            // The replay would send evt-first, then evt-second; the other key and the later event wait.
            #expect(ids == ["evt-first", "evt-second"], "\(dryRun)")
        }
    }

    @Test("replay names each failure: a 400 is given up (to dead/), a 503 deferred; --dry-run lists, sends nothing")
    func replayReasons() async throws {
        try await withTemporaryDirectory { directory in
            let spool = directory.appendingPathComponent("spool").path
            try await SpoolFixture.put(
                objects: [
                    [FixtureEvent(id: "evt-rejected")], [FixtureEvent(id: "evt-busy")], [FixtureEvent(id: "evt-fine")],
                ],
                into: spool
            )
            try await withTestBroker { broker in
                let options = ["--spool-dir", spool, "--broker-url", broker.url]
                let dryRun = try await BuiltExecutable.run("spoolctl", ["replay", "--all", "--dry-run"] + options)
                #expect(dryRun.status == 0, "\(dryRun)")
                for id in ["evt-rejected", "evt-busy", "evt-fine"] {
                    #expect(dryRun.stdout.contains(id), "\(dryRun)")
                }
                #expect(broker.requestCount == 0)

                broker.enqueue(.status(400, body: "bad schema"), .status(503, body: "busy"), .status(204))
                let replayed = try await BuiltExecutable.run(
                    "spoolctl",
                    ["replay", "--all"] + options,
                    environment: Self.oneAtATime
                )
                #expect(replayed.status == 1, "\(replayed)")
                #expect(replayed.stdout.contains("Given up (moved to dead/):"), "\(replayed)")
                #expect(
                    replayed.stdout.contains("deferred: HTTP 503 from \(broker.url): busy; next attempt in"),
                    "\(replayed)"
                )
                let rejectedLines = replayed.stdout.split(separator: "\n").filter { $0.contains("evt-rejected") }
                #expect(rejectedLines.count == 1 && !rejectedLines[0].contains("deferred"), "\(replayed)")
                #expect(replayed.stdout.contains("permanent failure"), "\(replayed)")
            }
            #expect(try await SpoolFixture.events(in: .dead, of: spool).map(\.event.id) == ["evt-rejected"])
            #expect(try await SpoolFixture.events(in: .pending, of: spool).map(\.event.id) == ["evt-busy"])
        }
    }

    @Test("list --limit 3 says '3 of 5', --since/--until narrow by spool time, --all has a STATE column")
    func listCounts() async throws {
        try await withTemporaryDirectory { directory in
            let spool = directory.appendingPathComponent("spool").path
            let day = 86_400.0
            try await SpoolFixture.put(
                objects: (1...5).map {
                    [FixtureEvent(id: "evt-\($0)", spooledAt: Date(timeIntervalSinceNow: -Double($0) * day))]
                },
                into: spool
            )
            let limited = try await BuiltExecutable.spoolctl("list", "--limit", "3", "--spool-dir", spool)
            #expect(limited.stdout.split(separator: "\n").count == 5, "\(limited)")
            #expect(limited.stdout.contains("-- 3 of 5 events shown (--limit 3); 5 events in 5 objects"), "\(limited)")
            let window = try await BuiltExecutable.spoolctl(
                "list",
                "--since",
                "4d",
                "--until",
                "1d12h",
                "--json",
                "--spool-dir",
                spool
            )
            #expect(
                try jsonObjects(window.stdout).compactMap { $0["id"] as? String }.sorted() == ["evt-2", "evt-3"],
                "\(window)"
            )
            let day3 = Date(timeIntervalSinceNow: -3 * day - 3600).formatted(.iso8601)
            let since = try await BuiltExecutable.spoolctl("list", "--since", day3, "--json", "--spool-dir", spool)
            #expect(try jsonObjects(since.stdout).count == 3, "\(since)")
            let bad = try await BuiltExecutable.spoolctl("list", "--since", "yesterday", "--spool-dir", spool)
            #expect(bad.status == 64 && bad.stderr.contains("2026-11-27"), "\(bad)")
        }
    }
}

extension RecordedRequest {
    /// The event id the request carried.
    fileprivate var eventID: String? { header("ce-id") }
}
