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

/// What the commands promise an operator beyond their exit status: a dry run lists what the real run does, a
/// mistyped spool path creates nothing, counts do not hide events of a damaged object, a failure in JSON mode
/// still ends with an error line, and text read from the spool cannot drive the terminal.
@Suite("spoolctl contract")
struct CommandContractTests {
    /// The ids of the JSON rows in `text`.
    private func ids(_ text: String) throws -> [String] {
        try jsonObjects(text).compactMap { $0["id"] as? String }
    }

    @Test("replay --dry-run leaves out what the replay holds back behind a held event of its ordering key")
    func dryRunMatchesReplayBehindAHeldEvent() async throws {
        try await withTemporaryDirectory { directory in
            let spool = directory.appendingPathComponent("spool").path
            try await SpoolFixture.put(
                objects: [
                    [FixtureEvent(id: "evt-k1", orderingKey: "K")], [FixtureEvent(id: "evt-k2", orderingKey: "K")],
                    [FixtureEvent(id: "evt-k3", orderingKey: "K")], [FixtureEvent(id: "evt-a1", orderingKey: "A")],
                ],
                into: spool
            )
            let held = try await BuiltExecutable.spoolctl("hold", "evt-k1", "--spool-dir", spool)
            #expect(held.status == 0, "\(held)")
            try await withTestBroker { broker in
                let options = ["--spool-dir", spool, "--broker-url", broker.url]
                let namedDryRun = try await BuiltExecutable.run(
                    "spoolctl",
                    ["replay", "evt-k3", "--dry-run", "--json"] + options
                )
                #expect(namedDryRun.status == 0, "\(namedDryRun)")
                #expect(try ids(namedDryRun.stdout) == [], "\(namedDryRun)")
                #expect(namedDryRun.stderr.contains("behind a held event"), "\(namedDryRun)")
                let dryRun = try await BuiltExecutable.run(
                    "spoolctl",
                    ["replay", "--all", "--dry-run", "--json"] + options
                )
                #expect(dryRun.status == 0, "\(dryRun)")
                #expect(try ids(dryRun.stdout) == ["evt-a1"], "\(dryRun)")
                #expect(broker.requestCount == 0)

                let replayed = try await BuiltExecutable.run("spoolctl", ["replay", "--all"] + options)
                #expect(replayed.status == 1, "\(replayed)")
                #expect(broker.requests.compactMap { $0.header("ce-id") } == ["evt-a1"], "\(replayed)")
            }
        }
    }

    @Test("a command other than publish on a mistyped spool path creates nothing there (73)")
    func typoCreatesNothing() async throws {
        try await withTemporaryDirectory { directory in
            let typo = directory.appendingPathComponent("var/spool/eventspol").path
            try await withTestBroker { broker in
                let commands: [[String]] = [
                    ["sweep", "--broker-url", broker.url], ["replay", "--all", "--broker-url", broker.url],
                    ["purge", "--dead", "--older-than", "30d", "--yes"], ["purge", "--dead", "--dry-run"],
                    ["requeue", "--all"], ["hold", "--all"], ["release", "--all"], ["verify", "--quarantine"],
                ]
                for command in commands {
                    let result = try await BuiltExecutable.run("spoolctl", command + ["--spool-dir", typo])
                    #expect(
                        result.status == 73 && result.stderr.contains("no spool at \(typo)"),
                        "\(command): \(result)"
                    )
                }
            }
            #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("var").path))
        }
    }

    @Test("list, stats and the metrics count the events a damaged object's header announces")
    func damagedObjectCountsItsEvents() async throws {
        try await withTemporaryDirectory { directory in
            let spool = directory.appendingPathComponent("spool").path
            let keys = try await SpoolFixture.put(
                objects: (0..<2).map { object in (0..<8).map { FixtureEvent(id: "evt-\(object)-\($0)") } },
                into: spool
            )
            let victim = URL(
                fileURLWithPath: try #require(try objectFiles(in: URL(fileURLWithPath: spool)).first?.path)
            )
            #expect(victim.lastPathComponent == keys[0] + ".evs")
            var bytes = try [UInt8](Data(contentsOf: victim))
            bytes[bytes.count - 1] ^= 0x01
            try Data(bytes).write(to: victim)

            let list = try await BuiltExecutable.spoolctl("list", "--spool-dir", spool)
            #expect(list.stdout.contains("-- 16 events in 2 objects"), "\(list)")
            let stats = try await BuiltExecutable.spoolctl("stats", "--json", "--spool-dir", spool)
            let states = try #require(try jsonObject(stats.stdout)["states"] as? [[String: Any]])
            let pending = try #require(states.first { $0["state"] as? String == "pending" })
            #expect((pending["total"] as? [String: Any])?["events"] as? Int == 16, "\(stats)")
            let metrics = try await BuiltExecutable.spoolctl("stats", "--prometheus", "--spool-dir", spool)
            #expect(metrics.stdout.contains(#"eventspool_spool_events{state="pending"} 16"#), "\(metrics)")
        }
    }

    @Test("--json: every time has milliseconds; replay with the lock held ends with a busy error line")
    func jsonTimesAndBusyReplay() async throws {
        try await withTemporaryDirectory { directory in
            try await ExitCodeScene.make(in: directory, corrupt: false)
            let spool = directory.path + "/spool"
            try await withTestBroker { broker in
                let options = ["--spool-dir", spool, "--broker-url", broker.url, "--json"]
                let withMilliseconds = #/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z/#
                let swept = try await BuiltExecutable.run("spoolctl", ["sweep"] + options)
                let sweepStart = try #require(try jsonObject(swept.stdout)["startedAt"] as? String)
                #expect(sweepStart.wholeMatch(of: withMilliseconds) != nil, "\(swept)")
                let replayed = try await BuiltExecutable.run("spoolctl", ["replay", "--dead"] + options)
                let replayStart = try #require(try jsonObject(replayed.stdout)["startedAt"] as? String)
                #expect(replayStart.wholeMatch(of: withMilliseconds) != nil, "\(replayed)")

                let lock = try ExitCodeScene.holdLock(of: spool)
                defer { close(lock) }
                let busy = try await BuiltExecutable.run("spoolctl", ["replay", "--all"] + options)
                #expect(busy.status == 75, "\(busy)")
                let error = try #require(try jsonObject(busy.stdout)["error"] as? [String: Any], "\(busy)")
                #expect(error["kind"] as? String == "busy" && error["status"] as? Int == 75, "\(busy)")
            }
        }
    }

    @Test("sweep --json --metrics-file: a failed write ends with an error line (74); a folder is refused first")
    func metricsFileFailures() async throws {
        try await withTemporaryDirectory { directory in
            try await ExitCodeScene.make(in: directory, corrupt: false)
            let spool = directory.path + "/spool"
            try await withTestBroker { broker in
                let options = ["--spool-dir", spool, "--broker-url", broker.url, "--json"]
                let folder = try await BuiltExecutable.run(
                    "spoolctl",
                    ["sweep", "--metrics-file", directory.path] + options,
                    environment: SpoolctlCommandTests.dueAtOnce
                )
                #expect(folder.status == 64, "\(folder)")
                #expect((try jsonObject(folder.stdout)["error"] as? [String: Any])?["kind"] as? String == "usage")
                #expect(broker.requestCount == 0, "nothing is sent before the command line is refused")

                let missing = directory.path + "/missing/es.prom"
                let failed = try await BuiltExecutable.run(
                    "spoolctl",
                    ["sweep", "--metrics-file", missing] + options,
                    environment: SpoolctlCommandTests.dueAtOnce
                )
                #expect(failed.status == 74, "\(failed)")
                let lines = try jsonObjects(failed.stdout)
                #expect(lines.count == 2 && lines[0]["kind"] as? String == "sweep", "\(failed)")
                let error = try #require(lines.last?["error"] as? [String: Any], "\(failed)")
                #expect(
                    error["status"] as? Int == 74
                        && (error["message"] as? String)?.contains(directory.path + "/missing") == true
                )

                let statsFile = directory.path + "/stats.prom"
                let stats = try await BuiltExecutable.run(
                    "spoolctl",
                    ["stats", "--metrics-file", statsFile, "--json", "--spool-dir", spool]
                )
                #expect(stats.status == 0, "\(stats)")
                #expect(try jsonObject(stats.stdout)["states"] != nil, "\(stats)")
                #expect(FileManager.default.fileExists(atPath: statsFile))
            }
        }
    }

    @Test("show --raw --state picks one object when a hold leaves the key in pending/ and held/")
    func rawOfAKeyInTwoStates() async throws {
        try await withTemporaryDirectory { directory in
            let spool = directory.appendingPathComponent("spool").path
            let key = try await SpoolFixture.put(
                objects: [[FixtureEvent(id: "evt-stays"), FixtureEvent(id: "evt-held")]],
                into: spool
            )[0]
            let held = try await BuiltExecutable.spoolctl("hold", "evt-held", "--spool-dir", spool)
            #expect(held.status == 0, "\(held)")
            let both = try await BuiltExecutable.spoolctl("show", key, "--raw", "--spool-dir", spool)
            #expect(both.status == 64 && both.stderr.contains("--state"), "\(both)")
            let heldFile = try #require(try objectFiles(in: URL(fileURLWithPath: spool + "/held")).first)
            let raw = try await BuiltExecutable.spoolctl("show", key, "--raw", "--state", "held", "--spool-dir", spool)
            #expect(raw.status == 0, "\(raw)")
            #expect(raw.stdoutBytes == [UInt8](try Data(contentsOf: heldFile)))
        }
    }

    @Test("list and show escape control characters of a dead reason and a last error: no ESC, CR or LF raw")
    func controlCharactersAreEscaped() async throws {
        try await withTemporaryDirectory { directory in
            let spool = directory.appendingPathComponent("spool").path
            let reason = "reason\n\u{1B}]0;TITLE\u{07}\u{1B}[2J forged line\r\nmore"
            try await SpoolFixture.put(
                objects: [
                    [
                        FixtureEvent(
                            id: "evt-escape",
                            lastError: AttemptError(status: 503, message: "\u{1B}[31mred\u{1B}[0m \u{08}\u{7F}"),
                            deadReason: reason
                        )
                    ]
                ],
                into: spool,
                state: .dead
            )
            let list = try await BuiltExecutable.spoolctl("list", "--dead", "--spool-dir", spool)
            let show = try await BuiltExecutable.spoolctl("show", "evt-escape", "--spool-dir", spool)
            for result in [list, show] {
                #expect(result.status == 0, "\(result)")
                let controls = result.stdout.unicodeScalars.filter {
                    ($0.value < 0x20 && $0 != "\n") || $0.value == 0x7F
                }
                #expect(controls.isEmpty, "\(result)")
                #expect(result.stdout.contains(#"\u{1B}]0;TITLE\u{7}"#), "\(result)")
            }
            // The header, one row and the summary: the reason's line breaks forge no row.
            #expect(list.stdout.split(separator: "\n").count == 3, "\(list)")
            #expect(!show.stdout.contains("\nmore") && show.stdout.contains(#"\r\nmore"#), "\(show)")
        }
    }

    @Test("help fits 80 columns in ASCII (the man page keeps it); completion offers paths; list --help: readError")
    func helpAndCompletion() async throws {
        let commands = [
            "publish", "list", "show", "replay", "sweep", "stats", "purge", "requeue", "hold", "release", "verify",
            "migrate",
        ]
        for arguments in [["--help"]] + commands.map({ [$0, "--help"] }) {
            let help = try await BuiltExecutable.run("spoolctl", arguments)
            // The USAGE line lists every option: the argument parser wraps none of it.
            let offending = help.stdout.split(separator: "\n").filter { line in
                (line.count > 80 && !line.hasPrefix("USAGE:")) || line.unicodeScalars.contains { !$0.isASCII }
            }
            #expect(offending.isEmpty, "\(arguments): \(offending)")
        }
        let list = try await BuiltExecutable.spoolctl("list", "--help")
        #expect(list.stdout.contains("readError") && !list.stdout.contains("orderingKey, error"), "\(list)")
        let bash = try await BuiltExecutable.spoolctl("--generate-completion-script", "bash")
        for option in ["--config", "--spool-dir", "--data-file", "--metrics-file"] {
            let offer = bash.stdout.components(separatedBy: "'\(option)')\n").dropFirst().first?.prefix(80) ?? ""
            #expect(offer.contains("__spoolctl_add_completions -"), "\(option): \(offer)")
        }
    }

    @Test("a replay that only deferred prints its report without a blank first line")
    func replayReportStartsWithItsFirstSection() async throws {
        try await withTemporaryDirectory { directory in
            let spool = directory.appendingPathComponent("spool").path
            try await SpoolFixture.put(objects: [[FixtureEvent(id: "evt-busy")]], into: spool)
            try await withTestBroker { broker in
                broker.setDefaultBehavior(.status(503))
                let replayed = try await BuiltExecutable.spoolctl(
                    "replay",
                    "--all",
                    "--spool-dir",
                    spool,
                    "--broker-url",
                    broker.url
                )
                #expect(replayed.status == 1, "\(replayed)")
                #expect(replayed.stdout.hasPrefix("Not delivered:\n  evt-busy"), "\(replayed)")
            }
        }
    }
}
