import EventSpool
import EventSpoolTesting
import Foundation
import Logging
import Synchronization
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `sweep --metrics-file` and `stats --prometheus`: read back with the official Prometheus client's parser,
/// written atomically for node_exporter's textfile collector.
@Suite("spoolctl metrics files")
struct MetricsFileTests {
    /// One metric family as `prometheus_client` parsed it (counters lose their `_total` in the family name).
    struct Family: Decodable {
        struct Sample: Decodable {
            var name: String
            var labels: [String: String]
            var value: Double
        }

        var name: String
        var type: String
        var help: String
        var samples: [Sample]

        func value(_ labels: [String: String] = [:]) -> Double? {
            samples.first { $0.labels == labels }?.value
        }
    }

    static let logger = Logger(label: "spoolctl-metrics-tests")

    /// Parses `text` with `Tests/Conformance/prometheus_text.py` (prometheus_client, installed by
    /// `scripts/ensure-python-deps.sh`); fails the test when the parser rejects it.
    static func parse(_ text: String) async throws -> [String: Family] {
        let script = BuiltExecutable.packageRoot.appendingPathComponent("Tests/Conformance/prometheus_text.py").path
        let python = ProcessInfo.processInfo.environment["EVENTSPOOL_PYTHON"] ?? "python3"
        let home = ["HOME": ProcessInfo.processInfo.environment["HOME"] ?? "/root"]
        let result = try await BuiltExecutable.run(
            "/usr/bin/env",
            [python, script, "-"],
            environment: home,
            stdin: Array(text.utf8)
        )
        try #require(result.status == 0, "the Prometheus parser rejected the file: \(result)\n\(text)")
        struct Document: Decodable { var families: [Family] }
        let document = try JSONDecoder().decode(Document.self, from: Data(result.stdout.utf8))
        return Dictionary(document.families.map { ($0.name, $0) }) { first, _ in first }
    }

    /// Parses the file at `path`.
    static func parseFile(_ path: String) async throws -> [String: Family] {
        try await parse(try String(contentsOfFile: path, encoding: .utf8))
    }

    /// Runs `spoolctl sweep --metrics-file file` against `broker`.
    static func sweep(_ spool: String, _ broker: TestBroker, metricsFile file: String) async throws -> ProcessResult {
        try await BuiltExecutable.spoolctl(
            "sweep",
            "--spool-dir",
            spool,
            "--broker-url",
            broker.url,
            "--metrics-file",
            file
        )
    }

    static let spoolFamilies: [String: String] = [
        "eventspool_spool_events": "gauge", "eventspool_spool_objects": "gauge", "eventspool_spool_bytes": "gauge",
        "eventspool_spool_oldest_age_seconds": "gauge", "eventspool_spool_unreadable_objects": "gauge",
        "eventspool_spool_limit_objects": "gauge", "eventspool_spool_limit_bytes": "gauge",
        "eventspool_spool_limit_use_ratio": "gauge",
    ]

    static let sweepFamilies: [String: String] = spoolFamilies.merging([
        "eventspool_sweep_delivered": "counter", "eventspool_sweep_deferred": "counter",
        "eventspool_sweep_dead_lettered": "counter", "eventspool_sweep_quarantined": "counter",
        "eventspool_sweep_last_pass_events": "gauge", "eventspool_sweep_last_pass_quarantined_objects": "gauge",
        "eventspool_sweep_last_pass_duration_seconds": "gauge", "eventspool_sweep_last_pass_timestamp_seconds": "gauge",
        "eventspool_sweep_last_pass_alert": "gauge", "eventspool_sweep_last_pass_needs_attention": "gauge",
        "eventspool_sweep_last_success_timestamp_seconds": "gauge", "eventspool_sweep_lock_held": "gauge",
    ]) { $1 }

    /// Every family is one of `expected`, of its type, with a help text; every expected one is there.
    static func checkFamilies(_ families: [String: Family], _ expected: [String: String]) {
        #expect(Set(families.keys) == Set(expected.keys))
        for (name, family) in families {
            #expect(family.type == expected[name], "\(name) is a \(family.type)")
            #expect(!family.help.isEmpty, "\(name) has no HELP line")
        }
    }

    @Test("sweep --metrics-file: parsed by prometheus_client, the spool's and the pass's values, counters add up")
    func sweepMetrics() async throws {
        try await withTemporaryDirectory { directory in
            let spool = directory.path + "/spool"
            let file = directory.path + "/eventspool.prom"
            try await SpoolFixture.put(events: 3, into: spool)
            try await SpoolFixture.put(events: 2, into: spool, state: .dead)
            try await withTestBroker { broker in
                let first = try await Self.sweep(spool, broker, metricsFile: file)
                #expect(first.status == 0, "\(first)")
                #expect(first.stdout.isEmpty, "\(first)")
                let families = try await Self.parseFile(file)
                Self.checkFamilies(families, Self.sweepFamilies)
                #expect(families["eventspool_sweep_delivered"]?.value() == 3)
                #expect(families["eventspool_sweep_last_pass_events"]?.value(["outcome": "delivered"]) == 3)
                #expect(families["eventspool_spool_events"]?.value(["state": "pending"]) == 0)
                #expect(families["eventspool_spool_events"]?.value(["state": "dead"]) == 2)
                #expect(families["eventspool_spool_objects"]?.value(["state": "dead"]) == 2)
                #expect((families["eventspool_spool_bytes"]?.value(["state": "dead"]) ?? 0) > 0)
                #expect(families["eventspool_spool_limit_objects"]?.value() == 1_000_000)
                #expect(families["eventspool_sweep_lock_held"]?.value() == 0)
                #expect(families["eventspool_sweep_last_pass_alert"]?.value() == 0)
                let success = families["eventspool_sweep_last_success_timestamp_seconds"]?.value() ?? 0
                #expect(abs(success - Date().timeIntervalSince1970) < 600)

                try await SpoolFixture.put(events: 2, into: spool)
                let second = try await Self.sweep(spool, broker, metricsFile: file)
                #expect(second.status == 0, "\(second)")
                let again = try await Self.parseFile(file)
                #expect(again["eventspool_sweep_delivered"]?.value() == 5, "a counter must add up across runs")
                #expect(again["eventspool_sweep_last_pass_events"]?.value(["outcome": "delivered"]) == 2)
            }
        }
    }

    @Test("broker down: the pass is no success, the last success and the counters carry over, the alert is 1")
    func failedPassKeepsLastSuccess() async throws {
        try await withTemporaryDirectory { directory in
            let spool = directory.path + "/spool"
            let file = directory.path + "/eventspool.prom"
            let earlier =
                "eventspool_sweep_last_success_timestamp_seconds 1700000000\n"
                + "eventspool_sweep_delivered_total 40\neventspool_sweep_deferred_total 2\n"
            try Data(earlier.utf8).write(to: URL(fileURLWithPath: file))
            try await SweepAlertCommandTests.putOld(12, age: .seconds(7200), into: spool)
            try await withTestBroker { broker in
                try await broker.stopListening()
                let result = try await Self.sweep(spool, broker, metricsFile: file)
                #expect(result.status == 69, "\(result)")
                let families = try await Self.parseFile(file)
                #expect(families["eventspool_sweep_last_success_timestamp_seconds"]?.value() == 1_700_000_000)
                #expect(families["eventspool_sweep_delivered"]?.value() == 40)
                #expect(families["eventspool_sweep_deferred"]?.value() == 14)
                #expect(families["eventspool_sweep_last_pass_alert"]?.value() == 1)
                #expect((families["eventspool_spool_oldest_age_seconds"]?.value(["state": "pending"]) ?? 0) >= 7200)
            }
        }
    }

    @Test("a damaged previous file is not trusted: absurd values are ignored, never a crash")
    func hostilePreviousFile() async throws {
        try await withTemporaryDirectory { directory in
            let spool = directory.path + "/spool"
            let file = directory.path + "/eventspool.prom"
            let hostile = [
                "eventspool_sweep_delivered_total -5", "eventspool_sweep_deferred_total NaN",
                "eventspool_sweep_dead_lettered_total 1e300", "eventspool_sweep_quarantined_total{x=\"1\"} 9",
                "eventspool_sweep_last_success_timestamp_seconds +Inf", "garbage", "",
                String(repeating: "x", count: 2 << 20),
            ].joined(separator: "\n")
            try Data(hostile.utf8).write(to: URL(fileURLWithPath: file))
            try await SpoolFixture.put(events: 1, into: spool)
            try await withTestBroker { broker in
                let result = try await Self.sweep(spool, broker, metricsFile: file)
                #expect(result.status == 0, "\(result)")
                let families = try await Self.parseFile(file)
                #expect(families["eventspool_sweep_delivered"]?.value() == 1)
                #expect(families["eventspool_sweep_deferred"]?.value() == 0)
                #expect(families["eventspool_sweep_dead_lettered"]?.value() == 0)
                #expect(families["eventspool_sweep_quarantined"]?.value() == 0)
            }
        }
    }

    @Test("stats --prometheus prints what stats --json counts; --metrics-file writes it, readable by others")
    func statsPrometheus() async throws {
        try await withTemporaryDirectory { directory in
            let spool = directory.path + "/spool"
            let file = directory.path + "/stats.prom"
            try await SpoolFixture.put(events: 4, into: spool)
            try await SpoolFixture.put(events: 1, into: spool, state: .dead)
            let printed = try await BuiltExecutable.spoolctl("stats", "--prometheus", "--spool-dir", spool)
            #expect(printed.status == 0, "\(printed)")
            let families = try await Self.parse(printed.stdout)
            Self.checkFamilies(families, Self.spoolFamilies)
            #expect(families["eventspool_spool_events"]?.value(["state": "pending"]) == 4)
            #expect(families["eventspool_spool_events"]?.value(["state": "dead"]) == 1)
            #expect(families["eventspool_spool_limit_use_ratio"]?.value(["limit": "objects"]) == 4.0 / 1_000_000)

            // Written under a service's umask 077, the file must still be readable by node_exporter.
            let spoolctl = BuiltExecutable.directory.appendingPathComponent("spoolctl").path
            let written = try await BuiltExecutable.run(
                "/bin/sh",
                ["-c", #"umask 077; exec "$0" "$@""#, spoolctl, "stats", "--metrics-file", file, "--spool-dir", spool]
            )
            #expect(written.status == 0, "\(written)")
            #expect(written.stdout.isEmpty, "\(written)")
            let mode = try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int
            #expect(mode == 0o644)
            let fromFile = try await Self.parseFile(file)
            Self.checkFamilies(fromFile, Self.spoolFamilies)
            #expect(fromFile["eventspool_spool_events"]?.value(["state": "pending"]) == 4)
            #expect(
                try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() == ["spool", "stats.prom"]
            )

            let both = try await BuiltExecutable.spoolctl("stats", "--prometheus", "--json", "--spool-dir", spool)
            #expect(both.status == 64, "\(both)")
        }
    }

    @Test(
        "a metrics file that cannot be written: the sweep still sweeps, then exits 74 naming the path, lock held or not"
    )
    func unwritable() async throws {
        try await withTemporaryDirectory { directory in
            let spool = directory.path + "/spool"
            let file = directory.path + "/missing/eventspool.prom"
            try await SpoolFixture.put(events: 1, into: spool)
            try await withTestBroker { broker in
                let result = try await Self.sweep(spool, broker, metricsFile: file)
                #expect(result.status == 74, "\(result)")
                #expect(result.stderr.contains(directory.path + "/missing"), "\(result)")
                #expect(broker.requestCount == 1)

                // Also when another sweeper holds the lock: no pass, but the failed write is still reported.
                let holder = try DirectorySpool(
                    configuration: SpoolConfiguration(directory: spool),
                    logger: Self.logger
                )
                let lock = try #require(try holder.tryLock())
                let held = try await Self.sweep(spool, broker, metricsFile: file)
                lock.unlock()
                await holder.shutdown()
                #expect(held.status == 74, "\(held)")
                #expect(held.stdout.isEmpty, "\(held)")
            }
        }
    }

    @Test("while another sweeper holds the lock: lock_held 1, the spool counted, the counters kept")
    func lockHeld() async throws {
        try await withTemporaryDirectory { directory in
            let spool = directory.path + "/spool"
            let file = directory.path + "/eventspool.prom"
            try Data("eventspool_sweep_delivered_total 7\n".utf8).write(to: URL(fileURLWithPath: file))
            try await SpoolFixture.put(events: 2, into: spool)
            // Another sweeper: this process, holding the spool's lock through the library.
            let holder = try DirectorySpool(configuration: SpoolConfiguration(directory: spool), logger: Self.logger)
            let lock = try #require(try holder.tryLock())
            defer { lock.unlock() }
            try await withTestBroker { broker in
                let result = try await Self.sweep(spool, broker, metricsFile: file)
                #expect(result.status == 0, "\(result)")
                #expect(result.stdout.isEmpty, "\(result)")
                let families = try await Self.parseFile(file)
                #expect(families["eventspool_sweep_lock_held"]?.value() == 1)
                #expect(families["eventspool_sweep_delivered"]?.value() == 7)
                #expect(families["eventspool_spool_events"]?.value(["state": "pending"]) == 2)
                #expect(families["eventspool_sweep_last_pass_events"] == nil)
            }
            await holder.shutdown()
        }
    }
}
