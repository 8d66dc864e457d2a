import EventSpool
import EventSpoolTesting
import Foundation
import Logging
import TestSupport
import Testing

/// `spoolctl sweep`'s backlog alert, run as the built binary against a real spool and a loopback broker.
/// Events are made old by writing them with an old `spooledAt` through the library, never by waiting.
@Suite("spoolctl sweep alerts")
struct SweepAlertCommandTests {
    /// Attempted events stay due, so that a sweep after the broker is back delivers them at once.
    static let dueAtOnce = SpoolctlCommandTests.dueAtOnce

    /// The system clock as it read `offset` ago: a publisher that spooled its events then.
    struct PastClock: WallClock {
        let offset: TimeInterval
        var now: Date { Date().addingTimeInterval(-offset) }
    }

    /// Puts `count` one-event objects spooled `age` ago (due, unless `notDueFor` is given) into `directory`,
    /// through a spool whose clock is `age` behind: keys and `spooledAt` are as old as a real outage makes them.
    static func putOld(
        _ count: Int,
        age: Duration,
        notDueFor: Duration? = nil,
        into directory: String
    ) async throws {
        let clock = PastClock(offset: Double(age.components.seconds))
        let spool = try DirectorySpool(
            configuration: SpoolConfiguration(directory: directory),
            clock: clock,
            logger: logger
        )
        let spooledAt = clock.now
        for index in 0..<count {
            let next = notDueFor.map { Date().addingTimeInterval(Double($0.components.seconds)) }
            let event = Event(id: "old-\(index)", type: "com.example.old", source: "/alerts", text: "{}")
            _ = try await spool.put([
                SpooledEvent(event: event, delivery: DeliveryRecord(spooledAt: spooledAt, nextAttemptAt: next))
            ])
        }
        await spool.shutdown()
    }

    private static let logger = Logger(label: "spoolctl-alert-tests")

    /// Runs `spoolctl sweep --spool-dir spool --broker-url url` with `arguments`.
    static func sweep(
        _ spool: String,
        _ url: String,
        _ arguments: String...,
        environment: [String: String] = [:]
    ) async throws -> ProcessResult {
        try await BuiltExecutable.run(
            "spoolctl",
            ["sweep", "--spool-dir", spool, "--broker-url", url] + arguments,
            environment: environment
        )
    }

    /// The broker's URL with a user name and password, which no report may show.
    static func urlWithCredentials(_ broker: TestBroker) -> String {
        "http://alice:s3cr3t-pw@127.0.0.1:\(broker.port)/events"
    }

    @Test("broker refusing: a sweep with events older than the threshold exits 69 and says what, how old, why, where")
    func outageIsHeard() async throws {
        try await withTemporaryDirectory { directory in
            let spool = directory.path + "/spool"
            try await Self.putOld(12, age: .seconds(7200), into: spool)
            try await withTestBroker { broker in
                try await broker.stopListening()
                let url = Self.urlWithCredentials(broker)
                let text = try await Self.sweep(
                    spool,
                    url,
                    "--alert-oldest",
                    "15m",
                    environment: Self.dueAtOnce
                )
                #expect(text.status == 69, "\(text)")
                for expected in [
                    "backlog: oldest pending 2h", "waiting in pending/: 12 events in 12 objects",
                    "oldest: 2h", "(alert at 15m)", "objects: 12 of 1000000 (spool.maxObjects)",
                    "endpoint: http://127.0.0.1:\(broker.port)/events", "connection refused",
                    "stopped early: circuit open",
                ] {
                    #expect(text.stdout.contains(expected), "'\(expected)' missing in \(text)")
                }

                let json = try await Self.sweep(
                    spool,
                    url,
                    "--json",
                    "--alert-oldest",
                    "15m",
                    environment: Self.dueAtOnce
                )
                #expect(json.status == 69, "\(json)")
                let report = try #require(
                    try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any],
                    "\(json)"
                )
                #expect(report["stoppedEarly"] as? String == "circuitOpen")
                #expect(report["needsAttention"] as? Bool == false)
                let alert = try #require(report["alert"] as? [String: Any], "\(json)")
                let breaches = alert["breaches"] as? [[String: Any]]
                #expect(breaches?.first?["threshold"] as? String == "sweeper.alert.oldestPending")
                #expect(breaches?.first?["setting"] as? Double == 900)
                #expect((breaches?.first?["value"] as? Double ?? 0) >= 7200)
                #expect(alert["pendingEvents"] as? Int == 12)
                #expect(alert["pendingObjects"] as? Int == 12)
                #expect(alert["maxObjects"] as? Int == 1_000_000)
                #expect(alert["endpoint"] as? String == "http://127.0.0.1:\(broker.port)/events")
                let errors = alert["lastErrors"] as? [[String: Any]]
                #expect((errors?.first?["message"] as? String)?.contains("connection refused") == true, "\(json)")

                // The defaults alert too (an hour), and the thresholds can be turned off, also by environment.
                let byDefault = try await Self.sweep(
                    spool,
                    url,
                    environment: Self.dueAtOnce
                )
                #expect(byDefault.status == 69, "\(byDefault)")
                #expect(byDefault.stdout.contains("(alert at 1h)"), "\(byDefault)")
                let off = try await Self.sweep(
                    spool,
                    url,
                    environment: Self.dueAtOnce.merging(["EVENTSPOOL_SWEEPER_ALERT_OLDEST_PENDING": "0"]) { $1 }
                )
                #expect(off.status == 0, "\(off)")
                #expect(off.stdout.isEmpty, "\(off)")
                for result in [text, json, byDefault, off] {
                    #expect(!result.stdout.contains("s3cr3t") && !result.stderr.contains("s3cr3t"), "\(result)")
                    #expect(!result.stdout.contains("alice") && !result.stderr.contains("alice"), "\(result)")
                }

                // Back under: the broker answers, the spool drains, the sweep is silent again.
                try await broker.startListening()
                let drained = try await Self.sweep(
                    spool,
                    url,
                    "--alert-oldest",
                    "15m",
                    environment: Self.dueAtOnce
                )
                #expect(drained.status == 0, "\(drained)")
                #expect(drained.stdout.isEmpty, "\(drained)")
                #expect(broker.requestCount == 12)
            }
        }
    }

    @Test("pending/ at a fraction of spool.maxObjects or spool.maxBytes alerts; under it the sweep is quiet")
    func limitsAlert() async throws {
        try await withTemporaryDirectory { directory in
            let spool = directory.path + "/spool"
            try await SpoolFixture.put(events: 9, into: spool)
            try await withTestBroker { broker in
                try await broker.stopListening()
                let limits = ["EVENTSPOOL_SPOOL_MAX_OBJECTS": "10", "EVENTSPOOL_SPOOL_MAX_BYTES": "1000000"]
                let objects = try await Self.sweep(
                    spool,
                    broker.url,
                    "--alert-pending-objects",
                    "0.8",
                    environment: limits
                )
                #expect(objects.status == 69, "\(objects)")
                #expect(objects.stdout.contains("backlog: pending/ at 90 % of spool.maxObjects"), "\(objects)")
                #expect(
                    objects.stdout.contains("objects: 9 of 10 (spool.maxObjects), 90 %, alert at 80 %"),
                    "\(objects)"
                )

                let under = try await Self.sweep(
                    spool,
                    broker.url,
                    "--alert-pending-objects",
                    "0.95",
                    environment: limits
                )
                #expect(under.status == 0, "\(under)")
                #expect(under.stdout.isEmpty, "\(under)")

                let size = try objectFiles(in: URL(fileURLWithPath: spool)).reduce(0) { total, url in
                    total + ((try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? 0)
                }
                let bytes = try await Self.sweep(
                    spool,
                    broker.url,
                    "--alert-pending-bytes",
                    "0.5",
                    environment: ["EVENTSPOOL_SPOOL_MAX_BYTES": "\(size + size / 2)"]
                )
                #expect(bytes.status == 69, "\(bytes)")
                #expect(bytes.stdout.contains("backlog: pending/ at 67 % of spool.maxBytes"), "\(bytes)")
            }
        }
    }

    @Test("something given up wins over the backlog: exit 1, and the report names both")
    func givenUpWins() async throws {
        try await withTemporaryDirectory { directory in
            let spool = directory.path + "/spool"
            try await Self.putOld(1, age: .seconds(7200), notDueFor: .seconds(3600), into: spool)
            try await SpoolFixture.put(events: 1, into: spool)
            try await withTestBroker { broker in
                broker.setDefaultBehavior(.status(400, body: "bad event"))
                let result = try await Self.sweep(
                    spool,
                    broker.url,
                    "--alert-oldest",
                    "15m"
                )
                #expect(result.status == 1, "\(result)")
                #expect(result.stdout.contains("1 event given up, backlog: oldest pending 2h"), "\(result)")
                // An hour from the put, less the moments since: rounded to the second, that is 59m or 1h.
                #expect(
                    result.stdout.contains("next attempt in 59m") || result.stdout.contains("next attempt in 1h"),
                    "\(result)"
                )
            }
        }
    }

    @Test("a threshold that is not a duration or a fraction from 0 to 1 is a usage error (64)")
    func badThresholds() async throws {
        for arguments in [
            ["--alert-pending-objects", "1.5"], ["--alert-pending-bytes", "-0.1"], ["--alert-oldest", "-5m"],
        ] {
            let result = try await BuiltExecutable.run(
                "spoolctl",
                ["sweep", "--spool-dir", "/nonexistent/spool", "--broker-url", "http://127.0.0.1:9/e"] + arguments
            )
            #expect(result.status == 64, "\(arguments): \(result)")
            #expect(result.stderr.contains(arguments[0]), "\(result)")
        }
    }
}
