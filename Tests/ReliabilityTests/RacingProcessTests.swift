import EventSpool
import EventSpoolTesting
import Foundation
import Synchronization
import TestSupport
import Testing

/// Scenario 4 of `docs/reliability.md`: four publisher processes and three cron-like loops of `spoolctl sweep`
/// on one spool while the broker flaps, then a forced overlap of two `spoolctl sweep` runs. Every acknowledged
/// event must arrive (or be given up, and reported); no event may be delivered twice by sweepers; no two
/// sweepers may hold the lock at once, and a sweeper that starts while another holds it must find it held; and
/// the counts must reconcile.
@Suite(.serialized)
struct RacingProcessTests {
    static let publishers = 4
    static let tasksPerPublisher = 8
    static let eventsPerTask = 120
    static let sweeperLoops = 3

    @Test(.timeLimit(.minutes(4)))
    func racingPublishersAndSweepersLoseNothingAndNeverShareTheLock() async throws {
        try await TemporaryDirectory.with { directory in
            let spool = directory("spool")
            let broker = FlappingBroker(try await TestBroker.start())
            do {
                try await race(spool: spool, directory: directory, broker: broker)
            } catch {
                try? await broker.broker.shutdown()
                throw error
            }
            try await broker.broker.shutdown()
        }
    }

    private func race(spool: String, directory: TemporaryDirectory, broker: FlappingBroker) async throws {
        let started = ContinuousClock.now
        try await broker.set(.mixedWithRejections)
        let children = try (0..<Self.publishers).map { number in
            try ChildProcess(
                "eventspool-crashtest",
                [
                    "publish", "--spool-dir", spool, "--broker-url", broker.broker.url,
                    "--ack-log", directory("acks-\(number).log"), "--start-log", directory("starts-\(number).log"),
                    // One of the four writes ahead: its objects are in pending/ while it sends.
                    "--mode", number == Self.publishers - 1 ? "writeAhead" : "fallback",
                    "--tasks", String(Self.tasksPerPublisher), "--events", String(Self.eventsPerTask),
                    "--id-prefix", "p\(number)", "--sender", "publisher-\(number)",
                    "--timeout-milliseconds", "1000",
                ],
                stderrPath: directory("publisher-\(number).stderr")
            )
        }

        // The sweepers race publishers on a spool that exists: the first publisher makes the directory (a sweep of
        // a path where there is none is exit 73, by design), and each says `ready` once its spool is open.
        for child in children {
            _ = await child.wait { $0.ready || $0.ended }
        }
        let publishing = Shared(true)
        let recordedRuns = Shared<[SweeperRun]>([])
        try await withThrowingTaskGroup(of: Void.self) { group in
            // The broker changes its mind every few dozen acknowledgements of some publisher.
            group.addTask {
                var random = SeededRandom(seed: 0xF1A9)
                while let child = children.filter({ !$0.progress.done && !$0.progress.ended }).randomElement(
                    using: &random
                ) {
                    let target = child.progress.acknowledged + 10 + random.next(below: 50)
                    await child.wait { $0.acknowledged >= target || $0.done }
                    try await broker.set(Self.phase(&random))
                }
            }
            // Three loops start `spoolctl sweep` a few hundred milliseconds after their last one ended, so
            // runs overlap the way cron runs do when a pass is slow.
            for loop in 0..<Self.sweeperLoops {
                group.addTask {
                    var random = SeededRandom(seed: 0x5EE9 + UInt64(loop))
                    var number = 0
                    while publishing.value {
                        let run = try await SweeperRun.run(
                            spool: spool,
                            brokerURL: broker.broker.url,
                            sender: "sweeper-\(loop)-\(number)",
                            stderrPath: directory("sweeper-\(loop)-\(number).stderr")
                        )
                        recordedRuns.update { $0.append(run) }
                        number += 1
                        // Pacing, like cron's schedule: not a wait for anything.
                        try await Task.sleep(for: .milliseconds(100 + random.next(below: 300)))
                    }
                }
            }
            for (number, child) in children.enumerated() {
                let status = await child.exitStatus()
                #expect(status == 0 && child.progress.done, "publisher \(number)\n\(child.errorOutput)")
            }
            publishing.update { $0 = false }
            try await group.waitForAll()
        }
        let raceTime = ContinuousClock.now - started
        let overlap = try await forceOverlap(spool: spool, directory: directory, broker: broker)
        recordedRuns.update { $0 += overlap }

        // The final sweep: a healthy broker and a clock past every backoff and write-ahead lease.
        try await broker.set(.up)
        let sweeper = try Sweeper(
            configuration: Sweeper.Configuration(
                broker: BrokerConfiguration(url: broker.broker.url, headers: ["X-Sender": "sweeper-final"]),
                spool: SpoolConfiguration(directory: spool),
                concurrency: 8
            ),
            clock: ManualWallClock(Date().addingTimeInterval(3600)),
            randomNumberGenerator: SeededRandom(seed: 11),
            logger: quietLogger
        )
        let final = await sweeper.sweep()
        await sweeper.shutdown()
        #expect(final.remaining == 0 && final.quarantined == 0 && final.failure == nil, "\(final)")

        // What the publishers acknowledged.
        var acknowledged: Set<String> = []
        for number in 0..<Self.publishers {
            let journals = PublishJournals(
                startLog: directory("starts-\(number).log"),
                ackLog: directory("acks-\(number).log")
            )
            #expect(journals.failed.isEmpty, "publisher \(number): \(journals.failed.prefix(5))")
            #expect(journals.acknowledged.count == journals.started.count, "publisher \(number) ended cleanly")
            acknowledged.formUnion(journals.acknowledged.keys)
        }
        #expect(acknowledged.count == Self.publishers * Self.tasksPerPublisher * Self.eventsPerTask)

        let runs = recordedRuns.value
        let deliveries = broker.deliveries()
        let delivered = Set(deliveries.keys)
        let dead = SpoolFiles.eventIDs(under: spool + "/dead")
        let pending = SpoolFiles.eventIDs(under: spool + "/pending")
        let givenUp = Set(runs.flatMap { $0.givenUp } + final.givenUp.map { $0.id })

        // Every acknowledged event arrived, or was given up and named in a report; nothing else.
        let lost = acknowledged.subtracting(delivered).subtracting(dead)
        #expect(lost.isEmpty, "lost: \(lost.sorted().prefix(10))")
        #expect(Set(dead) == givenUp, "every event in dead/ was named in a report, and only those")
        #expect(delivered.isDisjoint(with: dead), "an event both delivered and given up")
        // Counts reconcile: published = delivered + dead + pending.
        #expect(acknowledged.count == delivered.intersection(acknowledged).count + dead.count + pending.count)
        #expect(dead.count == Set(dead).count && pending.isEmpty)

        // Sweepers never delivered an event twice.
        let sweptTwice = deliveries.filter { $0.value.filter { $0.hasPrefix("sweeper-") }.count > 1 }
        #expect(sweptTwice.isEmpty, "delivered twice by sweepers: \(sweptTwice.prefix(5))")

        // The lock was never held by two passes at once: each logged interval (taken after the flock,
        // released after the log) ends before the next begins.
        let intervals = runs.compactMap { $0.lockInterval }.sorted { $0.taken < $1.taken }
        for (earlier, later) in zip(intervals, intervals.dropFirst()) {
            #expect(earlier.releasing < later.taken, "two sweepers held the lock at once: \(earlier), \(later)")
        }
        let passes = runs.filter { !$0.lockHeld }
        #expect(intervals.count == passes.count, "every pass that ran logged its lock")
        #expect(runs.allSatisfy { $0.status == 0 || $0.status == 1 }, "\(runs.filter { $0.status > 1 })")
        // A run that found the lock held logged so, did nothing, and its report (printed always with --json)
        // says so too; every other run's report says it held the lock.
        let inconsistent = runs.filter { $0.reportedLockHeld != $0.lockHeld || ($0.lockHeld && $0.status != 0) }
        #expect(inconsistent.isEmpty, "\(inconsistent)")
        #expect(runs.contains { $0.lockHeld }, "no run found the lock held, not even the forced overlap")

        let duplicates = deliveries.filter { $0.value.count > 1 }.count
        let firstSenders = deliveries.values.compactMap(\.first)
        let byPublishers = firstSenders.filter { $0.hasPrefix("publisher-") }.count
        let bySweepers = firstSenders.filter { $0.hasPrefix("sweeper-") && $0 != "sweeper-final" }.count
        let seconds = Double(raceTime.components.seconds) + Double(raceTime.components.attoseconds) * 1e-18
        var figures = "\(Self.publishers) publishers × \(Self.tasksPerPublisher) tasks, "
        figures += "\(acknowledged.count) events published and acknowledged in \(String(format: "%.1f", seconds)) s; "
        figures += "broker changes \(broker.changes); spoolctl sweep runs \(runs.count): \(passes.count) passes, "
        figures += "\(runs.count - passes.count) found the lock held (one forced); "
        figures += "first delivered by publishers \(byPublishers), "
        figures += "by racing sweepers \(bySweepers), by the final sweep \(final.delivered); "
        figures += "dead-lettered \(dead.count) (all reported); pending 0; delivered twice by sweepers 0; "
        figures += "duplicates \(duplicates); lock overlaps 0; lost \(lost.count)"
        print("[reliability] racing: " + figures)
    }

    /// Forces two sweepers to overlap: one `spoolctl sweep` takes the lock and hangs in a delivery (the broker
    /// holds the request; the run's timeout is long), and only once the broker has that request does a second
    /// run start. It must find the lock held, say so and exit 0 without a report. Then the broker stops
    /// listening, which ends the first run's delivery.
    ///
    /// - Returns: Both runs, the holder first.
    private func forceOverlap(
        spool: String,
        directory: TemporaryDirectory,
        broker: FlappingBroker
    ) async throws -> [SweeperRun] {
        // A due event, so that the holder has something to deliver whatever the race left.
        let writer = try DirectorySpool(configuration: SpoolConfiguration(directory: spool), logger: quietLogger)
        let event = Event(id: "overlap-1", type: "com.example.overlap", source: "/racing", text: "{}")
        _ = try await writer.put([SpooledEvent(event: event, delivery: DeliveryRecord(spooledAt: Date()))])
        await writer.shutdown()

        try await broker.set(.hanging)
        let before = broker.broker.requestCount
        let holder = try SweeperRun.start(
            spool: spool,
            brokerURL: broker.broker.url,
            sender: "sweeper-holder",
            stderrPath: directory("sweeper-holder.stderr"),
            brokerTimeout: "120s"
        )
        _ = try await broker.broker.waitForRequests(count: before + 1, timeout: .seconds(60))
        let second = try await SweeperRun.run(
            spool: spool,
            brokerURL: broker.broker.url,
            sender: "sweeper-second",
            stderrPath: directory("sweeper-second.stderr")
        )
        try await broker.set(.refusing)
        let held = await SweeperRun.finish(holder, sender: "sweeper-holder")
        #expect(second.lockHeld && second.status == 0 && second.reportedLockHeld == true, "\(second)")
        #expect(!held.lockHeld && held.lockInterval != nil, "\(held)")
        return [held, second]
    }

    private static func phase(_ random: inout SeededRandom) -> FlappingBroker.Phase {
        switch random.next(below: 10) {
        case ..<2: .up
        case ..<4: .mixedWithRejections
        case ..<6: .refusing
        case ..<8: .unavailable
        case ..<9: .mixed
        default: .hanging
        }
    }
}

/// A value that concurrent tasks of a test share.
final class Shared<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>

    init(_ value: Value) {
        mutex = Mutex(value)
    }

    var value: Value { mutex.withLock { $0 } }

    func update(_ body: (inout Value) -> Void) {
        mutex.withLock { body(&$0) }
    }
}

/// One run of `spoolctl sweep --json --verbose` and what it said.
struct SweeperRun: Sendable, CustomStringConvertible {
    /// The pass's hold of `sweeper.lock`, from its debug log: CLOCK_MONOTONIC nanoseconds.
    struct LockInterval: Sendable, CustomStringConvertible {
        var process: String
        var taken: Int64
        var releasing: Int64

        var description: String { "pid \(process) [\(taken), \(releasing)]" }
    }

    var sender: String
    var status: Int32
    /// Another sweeper held the lock: the run logged so (and did nothing).
    var lockHeld: Bool
    /// What the run's JSON report said of the lock (`--json` prints the report always, also when the lock
    /// was held); `nil` when it printed no report.
    var reportedLockHeld: Bool?
    var givenUp: [String]
    var lockInterval: LockInterval?

    var description: String {
        "\(sender): exit \(status), lock held \(lockHeld), report says \(reportedLockHeld.map { "\($0)" } ?? "nothing"), "
            + (lockInterval.map { "\($0)" } ?? "")
    }

    /// Runs `spoolctl sweep --json --verbose` to its end.
    static func run(spool: String, brokerURL: String, sender: String, stderrPath: String) async throws -> SweeperRun {
        await finish(
            try start(spool: spool, brokerURL: brokerURL, sender: sender, stderrPath: stderrPath),
            sender: sender
        )
    }

    /// Starts `spoolctl sweep --json --verbose`; each request carries `X-Sender: <sender>`.
    static func start(
        spool: String,
        brokerURL: String,
        sender: String,
        stderrPath: String,
        brokerTimeout: String = "1s"
    ) throws -> ChildProcess {
        try ChildProcess(
            "spoolctl",
            ["sweep", "--json", "--verbose", "--max-time", "2s", "--spool-dir", spool, "--broker-url", brokerURL],
            environment: [
                "EVENTSPOOL_BROKER_HEADERS": "X-Sender: \(sender)",
                "EVENTSPOOL_BROKER_TIMEOUT": brokerTimeout,
                "EVENTSPOOL_BROKER_CONNECT_TIMEOUT": "1s",
                "EVENTSPOOL_RETRY_BASE_DELAY": "0s",
                "EVENTSPOOL_RETRY_JITTER": "0",
            ],
            stderrPath: stderrPath
        )
    }

    /// Waits for a run started with ``start(spool:brokerURL:sender:stderrPath:brokerTimeout:)`` and reads what it said.
    static func finish(_ child: ChildProcess, sender: String) async -> SweeperRun {
        let status = await child.exitStatus()
        let report = child.output.first.flatMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        let givenUp = (report?["givenUp"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
        let log = child.errorOutput
        return SweeperRun(
            sender: sender,
            status: status,
            lockHeld: log.contains("another sweeper holds the lock"),
            reportedLockHeld: report?["lockHeld"] as? Bool,
            givenUp: givenUp,
            lockInterval: lockInterval(in: log)
        )
    }

    /// The `sweeper lock taken` and `sweeper lock releasing` debug lines of one run.
    private static func lockInterval(in log: String) -> LockInterval? {
        func stamp(_ message: String) -> (String, Int64)? {
            guard let line = log.split(separator: "\n").first(where: { $0.hasSuffix(message) }) else { return nil }
            func value(_ key: String) -> Substring? {
                guard let range = line.range(of: key + "=") else { return nil }
                return line[range.upperBound...].prefix { $0.isNumber }
            }
            guard let time = value("lock.monotonicNanoseconds").flatMap({ Int64($0) }) else { return nil }
            return (String(value("process.id") ?? ""), time)
        }
        guard let taken = stamp("sweeper lock taken"), let releasing = stamp("sweeper lock releasing") else {
            return nil
        }
        return LockInterval(process: taken.0, taken: taken.1, releasing: releasing.1)
    }
}
