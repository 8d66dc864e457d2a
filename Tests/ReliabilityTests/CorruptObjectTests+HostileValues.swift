import EventSpoolTesting
import Foundation
import TestSupport
import Testing

@testable import EventSpool
@testable import EventSpoolStorage

/// Scenario 3b of `docs/reliability.md`: objects whose framing and CRC-32C are valid but whose values are
/// absurd — times of ±1e300 or beyond the year 9999, attempts of `Int64.max` or below zero, statuses that no
/// answer has, counts and lengths past every bound, text no publisher could spool, headers that lie about
/// their events. Every command must survive them (no trap), quarantine and report each one, and deliver every
/// valid event around them.
extension CorruptObjectTests {
    /// A spool filled with hostile objects and valid neighbours.
    struct HostileSpool {
        /// The keys of the hostile objects in each state, and what is wrong with each.
        var hostile: [SpoolState: [String: String]] = [.pending: [:], .dead: [:]]
        /// The ids of the valid events in each state.
        var valid: [SpoolState: [String]] = [.pending: [], .dead: []]

        func hostileKeys(_ state: SpoolState) -> Set<String> { Set(hostile[state, default: [:]].keys) }
        func validIDs(_ state: SpoolState) -> [String] { valid[state, default: []] }
    }

    /// Every variant goes into one spool: a quarter into `dead/`, the rest into `pending/`, with a valid
    /// one-event object after every fifth.
    static func fillHostile(_ spool: String, with variants: [HostileObjects.Variant]) throws -> HostileSpool {
        var contents = HostileSpool()
        var sequence: UInt32 = 0
        func place(_ bytes: [UInt8], in state: SpoolState) throws -> SpoolKey {
            sequence += 1
            let key = SpoolKey.make(
                time: HostileObjects.validDate.addingTimeInterval(Double(sequence) * 0.5),
                processID: 4343,
                nonce: 0xBEEF,
                sequence: sequence
            )
            let folder = spool + "/" + state.rawValue + "/" + key.folder
            try FileManager.default.createDirectory(
                atPath: folder,
                withIntermediateDirectories: true,
                attributes: [.posixPermissions: 0o700]
            )
            try write(bytes, to: folder + "/" + key.fileName)
            return key
        }
        for (index, variant) in variants.enumerated() {
            let state: SpoolState = index % 4 == 3 ? .dead : .pending
            contents.hostile[state, default: [:]][try place(variant.bytes, in: state).rawValue] = variant.kind
            if index % 5 == 0 {
                let validState: SpoolState = index % 25 == 0 ? .dead : .pending
                let id = "valid-\(index)"
                let event = SpooledEvent(
                    event: Event(id: id, type: "com.example.valid", source: "/reliability", text: "{}"),
                    delivery: DeliveryRecord(spooledAt: HostileObjects.validDate)
                )
                _ = try place(try object([event]), in: validState)
                contents.valid[validState, default: []].append(id)
            }
        }
        return contents
    }

    @Test func validFramedObjectsWithAbsurdValuesAreQuarantinedAndNeverCrashACommand() async throws {
        var random = SeededRandom(seed: 0x0DD_F1E1D)
        let variants = HostileObjects.variants(&random)
        // The builder makes valid objects when it is not told to make absurd ones.
        let base = try SpoolObjectFormat.decodeObject(HostileObjects.object(HostileObjects.validFields(id: "base")))
        #expect(base.map(\.event.id) == ["base"])
        for variant in variants {
            #expect(throws: SpoolObjectFormat.FormatError.self, "\(variant.kind) decodes") {
                try SpoolObjectFormat.decodeObject(variant.bytes)
            }
        }

        try await TemporaryDirectory.with(inMemory: true) { directory in
            let commandRuns = try await Self.runCommands(on: directory("cli"), variants: variants, directory: directory)
            let sweep = try await Self.sweepInProcess(directory("sweep"), variants: variants)
            let replay = try await Self.replayInProcess(directory("replay"), variants: variants)
            let kinds = Set(variants.map { $0.kind.hasPrefix("combined") ? "combined" : $0.kind }).count
            print(
                "[reliability] hostile values: \(variants.count) valid-framed objects (\(kinds) kinds of absurd "
                    + "value) among \(sweep.valid) valid events; \(commandRuns) spoolctl runs, none crashed; "
                    + "in-process sweep quarantined \(sweep.quarantined), replay quarantined \(replay), "
                    + "every valid event delivered, lost 0"
            )
        }
    }

    /// Reads every object, sweeps `pending/` twice and replays `dead/`, in this process.
    private static func sweepInProcess(
        _ spool: String,
        variants: [HostileObjects.Variant]
    ) async throws -> (quarantined: Int, valid: Int) {
        let contents = try fillHostile(spool, with: variants)
        let clock = ManualWallClock(HostileObjects.validDate.addingTimeInterval(3600))
        let reader = try DirectorySpool(configuration: SpoolConfiguration(directory: spool), logger: quietLogger)
        for state in [SpoolState.pending, .dead] {
            for try await entry in reader.list(state) {
                let hostile = contents.hostile[state]?[entry.key.rawValue]
                do {
                    _ = try await reader.get(entry.key, in: state)
                    #expect(hostile == nil, "\(hostile ?? "") read as valid")
                } catch {
                    #expect(hostile != nil && error.isDamage, "\(entry.key): \(error)")
                }
                // A header read alone must not trap either, whatever it makes of the values.
                _ = try? await reader.header(entry.key, in: state)
            }
        }
        await reader.shutdown()

        return try await withTestBroker { broker in
            let sweeper = try Sweeper(
                configuration: Sweeper.Configuration(
                    broker: BrokerConfiguration(url: broker.url),
                    spool: SpoolConfiguration(directory: spool),
                    // A busy broker must not end the pass early: every object is to be read.
                    circuitBreakerThreshold: 0
                ),
                clock: clock,
                logger: quietLogger
            )
            // First the broker is busy: every attempt is recorded and retried later, or given up.
            broker.setDefaultBehavior(.status(503, body: "busy"))
            let busy = await sweeper.sweep()
            broker.setDefaultBehavior(.status(204))
            clock.advance(by: .seconds(3600))
            let report = await sweeper.sweep()
            let dead = await sweeper.replay(.dead())
            await sweeper.shutdown()
            _ = busy.renderText() + busy.renderJSON() + report.renderText() + dead.renderText(always: true)

            #expect(Set(busy.quarantinedObjects.map(\.key)) == contents.hostileKeys(.pending))
            #expect(busy.quarantined == contents.hostileKeys(.pending).count)
            #expect(busy.unreadable == 0 && busy.failure == nil && busy.deadLettered == 0, "\(busy)")
            #expect(busy.deferred == contents.validIDs(.pending).count)
            #expect(report.quarantined == 0 && report.unreadable == 0, "quarantined once: \(report)")
            #expect(report.delivered == contents.validIDs(.pending).count && report.remaining == 0)
            #expect(Set(dead.quarantinedObjects.map(\.key)) == contents.hostileKeys(.dead))
            #expect(dead.delivered == contents.validIDs(.dead).count)
            let delivered = broker.requests.suffix(report.delivered + dead.delivered).compactMap { $0.header("ce-id") }
            let valid = contents.validIDs(.pending) + contents.validIDs(.dead)
            #expect(delivered.sorted() == valid.sorted(), "every valid event delivered, once")
            return (busy.quarantined + dead.quarantined, valid.count)
        }
    }

    /// Replays some objects by key, some events by id, then everything pending and everything dead, in this
    /// process.
    private static func replayInProcess(_ spool: String, variants: [HostileObjects.Variant]) async throws -> Int {
        let contents = try fillHostile(spool, with: variants)
        return try await withTestBroker { broker in
            let sweeper = try Sweeper(
                configuration: Sweeper.Configuration(
                    broker: BrokerConfiguration(url: broker.url),
                    spool: SpoolConfiguration(directory: spool)
                ),
                clock: ManualWallClock(HostileObjects.validDate.addingTimeInterval(3600)),
                logger: quietLogger
            )
            let keys = contents.hostileKeys(.pending).sorted().prefix(3)
            let byKey = await sweeper.replay(.named(keys))
            // Events named by id are searched for in every object until found: the search meets hostile ones.
            let byID = await sweeper.replay(.named(contents.validIDs(.pending).suffix(2)))
            let pending = await sweeper.replay(.allPending())
            let dead = await sweeper.replay(.dead())
            await sweeper.shutdown()
            let reports = [byKey, byID, pending, dead]
            _ = reports.map { $0.renderText(always: true) + $0.renderJSON() }

            #expect(Set(byKey.quarantinedObjects.map(\.key)) == Set(keys) && byKey.delivered == 0, "\(byKey)")
            #expect(byID.delivered == 2, "\(byID)")
            let quarantined = reports.flatMap(\.quarantinedObjects).map(\.key)
            #expect(quarantined.count == Set(quarantined).count, "each quarantined once")
            #expect(Set(quarantined) == contents.hostileKeys(.pending).union(contents.hostileKeys(.dead)))
            #expect(reports.allSatisfy { $0.unreadable == 0 && $0.failure == nil })
            let delivered = broker.requests.compactMap { $0.header("ce-id") }
            #expect(delivered.sorted() == (contents.validIDs(.pending) + contents.validIDs(.dead)).sorted())
            return quarantined.count
        }
    }

    /// Runs every reading command of the built `spoolctl` over the spool, then `sweep` and `replay --dead`;
    /// returns how many runs there were.
    private static func runCommands(
        on spool: String,
        variants: [HostileObjects.Variant],
        directory: TemporaryDirectory
    ) async throws -> Int {
        let contents = try fillHostile(spool, with: variants)
        var runs = 0
        func spoolctl(_ arguments: String..., brokerURL: String? = nil) async throws -> (Int32, [String], String) {
            runs += 1
            let child = try ChildProcess(
                "spoolctl",
                arguments + ["--spool-dir", spool] + (brokerURL.map { ["--broker-url", $0] } ?? []),
                // The valid events were spooled in 2023: under the real clock, the default maximum age (3 days)
                // would give them up at their first failed attempt.
                // A busy broker must not end a pass early either: every object is to be read.
                environment: [
                    "EVENTSPOOL_RETRY_MAX_AGE": "36500d", "EVENTSPOOL_SWEEPER_CIRCUIT_BREAKER_THRESHOLD": "0",
                ],
                stderrPath: directory("spoolctl-\(runs).stderr")
            )
            let status = await child.exitStatus()
            #expect(!child.wasSignalled, "spoolctl \(arguments) crashed: signal \(status)\n\(child.errorOutput)")
            return (status, child.output, child.errorOutput)
        }
        let allHostile = contents.hostileKeys(.pending).union(contents.hostileKeys(.dead))

        let (listStatus, list, _) = try await spoolctl("list", "--all")
        #expect(listStatus == 0)
        #expect(allHostile.allSatisfy { key in list.contains { $0.contains(key) && $0.contains("unreadable") } })
        let (jsonStatus, json, _) = try await spoolctl("list", "--all", "--json")
        #expect(jsonStatus == 0)
        let rows = json.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(rows.count == json.count, "every line is JSON")
        // `readError` is null for an object that reads, the reason for one that does not.
        #expect(Set(rows.filter { $0["readError"] is String }.compactMap { $0["key"] as? String }) == allHostile)
        for arguments in [["stats"], ["stats", "--json"]] {
            let (status, output, _) = try await spoolctl(arguments[0], arguments.count > 1 ? arguments[1] : "--quiet")
            #expect(status == 0 && !output.isEmpty, "\(arguments): \(output)")
        }
        for key in allHostile.sorted().prefix(4) {
            // `show` dumps what decodes of an object that does not read whole (as postcat does), and the problem.
            let (status, output, errors) = try await spoolctl("show", key)
            #expect(
                status == 0 && output.contains { $0.contains(key) } && output.contains { $0.hasPrefix("problem:") },
                "show \(key): \(status) \(output) \(errors)"
            )
        }
        let (showStatus, _, _) = try await spoolctl("show", contents.validIDs(.pending)[0])
        #expect(showStatus == 0)
        let (verifyStatus, verify, _) = try await spoolctl("verify")
        #expect(verifyStatus == 1)
        #expect(verify.filter { $0.hasPrefix("bad ") }.count == allHostile.count, "\(verify.suffix(3))")

        try await withTestBroker { broker in
            broker.setDefaultBehavior(.status(503, body: "busy"))
            let (sweepStatus, sweepOutput, sweepErrors) = try await spoolctl("sweep", "--json", brokerURL: broker.url)
            let sweep = try #require(
                try? SweepReport.decodeJSON(sweepOutput.joined()),
                "\(sweepOutput)\n\(sweepErrors)"
            )
            #expect(sweepStatus == 1 && sweep.quarantined == contents.hostileKeys(.pending).count, "\(sweep)")
            #expect(sweep.deferred == contents.validIDs(.pending).count && sweep.deadLettered == 0, "\(sweep)")
            broker.setDefaultBehavior(.status(204))
            let (allStatus, allOutput, allErrors) = try await spoolctl(
                "replay",
                "--all",
                "--json",
                brokerURL: broker.url
            )
            let all = try #require(try? SweepReport.decodeJSON(allOutput.joined()), "\(allOutput)\n\(allErrors)")
            #expect(allStatus == 0 && all.delivered == contents.validIDs(.pending).count, "\(all)")
            let (replayStatus, replayOutput, replayErrors) = try await spoolctl(
                "replay",
                "--dead",
                "--json",
                brokerURL: broker.url
            )
            let replay = try #require(
                try? SweepReport.decodeJSON(replayOutput.joined()),
                "\(replayOutput)\n\(replayErrors)"
            )
            #expect(replayStatus == 1 && replay.quarantined == contents.hostileKeys(.dead).count, "\(replay)")
            #expect(replay.delivered == contents.validIDs(.dead).count)
        }
        let (quarantineStatus, quarantine, _) = try await spoolctl("list", "--quarantine")
        #expect(quarantineStatus == 0)
        #expect(allHostile.allSatisfy { key in quarantine.contains { $0.hasPrefix(key) } })
        let (cleanStatus, _, _) = try await spoolctl("verify")
        #expect(cleanStatus == 0, "every bad object is in quarantine/ now")
        return runs
    }
}
