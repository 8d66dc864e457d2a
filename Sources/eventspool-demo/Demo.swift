import ArgumentParser
import EventSpool
import EventSpoolTesting
import Foundation
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// `make demo`: EventSpool's main job on local defaults. Publishes events while the broker is up, down
/// and answering 503; brings it back; sweeps; and shows that nothing was lost.
@main
struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eventspool-demo",
        abstract: "Publish through a broker outage, sweep, and count: nothing may be lost."
    )

    @Option(help: "How many events to publish.")
    var events = 3000

    @Option(help: "How many tasks publish at once.")
    var concurrency = 16

    @Option(help: "The spool directory; wiped at the start.")
    var directory = ".eventspool-demo"

    @Option(
        help: "Spool into the S3 bucket at this endpoint instead (credentials: S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY)."
    )
    var s3Endpoint: String?

    @Option(help: "The bucket (with --s3-endpoint); it must exist.")
    var bucket = "eventspool-demo"

    @Option(help: "The key prefix in the bucket (with --s3-endpoint); by default a new one per run.")
    var prefix: String?

    @Option(help: .hidden)
    var child: String?

    @Option(help: .hidden)
    var hostID: String?

    @Option(help: .hidden)
    var brokerURL: String?

    func validate() throws {
        guard events >= 4, concurrency >= 1 else {
            throw ValidationError("--events must be at least 4 and --concurrency at least 1.")
        }
    }

    /// The bucket of `--s3-endpoint`, signed with the credentials of the environment.
    private func objectStore(_ endpoint: String) throws -> SpoolConfiguration.ObjectStore {
        let environment = ProcessInfo.processInfo.environment
        guard let key = environment["S3_ACCESS_KEY_ID"], let secret = environment["S3_SECRET_ACCESS_KEY"] else {
            throw ValidationError("--s3-endpoint needs S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY in the environment.")
        }
        return SpoolConfiguration.ObjectStore(
            endpoint: endpoint,
            bucket: bucket,
            prefix: prefix ?? "demo-\(String(UInt32.random(in: 0...UInt32.max), radix: 16))",
            credentials: .init(accessKeyID: key, secretAccessKey: secret),
            // Short, so that a sweeper that dies mid-pass does not hold the other up for long.
            leaseDuration: .seconds(10),
            hostID: hostID
        )
    }

    func run() async throws {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .error
            return handler
        }
        let logger = Logger(label: "eventspool-demo")
        if let s3Endpoint {
            let store = try objectStore(s3Endpoint)
            switch (child, brokerURL) {
            case ("publish", let url?):
                try await DemoChild.publish(store: store, brokerURL: url, concurrency: concurrency, logger: logger)
                return
            case ("sweep", let url?):
                try await DemoChild.sweep(store: store, brokerURL: url, logger: logger)
                return
            default:
                let lost = try await withTestBroker { broker in
                    try await S3DemoRun(
                        broker: broker,
                        store: store,
                        events: events,
                        concurrency: max(1, concurrency / 2),
                        logger: logger
                    )
                    .run()
                }
                if lost > 0 { throw ExitCode(1) }
                return
            }
        }
        try? FileManager.default.removeItem(atPath: directory)

        let lost = try await withTestBroker { broker in
            try await DemoRun(
                broker: broker,
                directory: directory,
                events: events,
                concurrency: concurrency,
                logger: logger
            )
            .run()
        }
        if lost > 0 {
            throw ExitCode(1)
        }
    }
}

/// One run of the demo against one broker.
struct DemoRun {
    /// A part of the run: what the broker does while a share of the events is published.
    struct Phase {
        var name: String
        var share: Double
        var brokerUp: Bool
        var status: Int
    }

    static let phases = [
        Phase(name: "broker up", share: 0.3, brokerUp: true, status: 204),
        Phase(name: "broker down", share: 0.25, brokerUp: false, status: 204),
        Phase(name: "broker answers 503", share: 0.25, brokerUp: true, status: 503),
        Phase(name: "broker back", share: 0.2, brokerUp: true, status: 204),
    ]

    let broker: TestBroker
    let directory: String
    let events: Int
    let concurrency: Int
    let logger: Logger

    /// Runs the demo and returns how many events were lost.
    func run() async throws -> Int {
        let configuration = Publisher.Configuration(
            broker: BrokerConfiguration(url: broker.url, connectTimeout: .seconds(1), timeout: .seconds(2)),
            spool: SpoolConfiguration(directory: directory),
            // A short break so the demo sees the circuit close again when the broker is back.
            circuitBreaker: CircuitBreakerConfiguration(failureThreshold: 5, breakDuration: .milliseconds(250))
        )
        let counts = LiveCounts(total: events)
        let published = Mutex<[String]>([])
        var sweepStart = 0
        var healthyRanges: [Range<Int>] = []

        print("publishing \(events) events from \(concurrency) tasks to \(broker.url), spool \(directory)/")
        try await withPublisher(configuration: configuration, logger: logger) { publisher in
            var next = 0
            for (index, phase) in Self.phases.enumerated() {
                let count = index == Self.phases.count - 1 ? events - next : Int(Double(events) * phase.share)
                try await setBroker(up: phase.brokerUp, status: phase.status)
                let firstRequest = broker.requestCount
                counts.phase = phase.name
                let ids = await publish(range: next..<(next + count), with: publisher, counts: counts)
                published.withLock { $0.append(contentsOf: ids) }
                if phase.brokerUp && phase.status < 300 {
                    healthyRanges.append(firstRequest..<broker.requestCount)
                }
                next += count
                counts.endPhase()
            }
        }
        counts.finish()

        // The broker is up and healthy again. The spooled events wait for their backoff; the sweeper
        // runs as cron would an hour later (a clock set ahead), and delivers them.
        try await setBroker(up: true, status: 204)
        sweepStart = broker.requestCount
        let sweepClock = ManualWallClock(Date().addingTimeInterval(3600))
        print("sweeping \(counts.spooled) spooled events…")
        let sweeper = try Sweeper(
            configuration: Sweeper.Configuration(broker: configuration.broker, spool: configuration.spool),
            clock: sweepClock,
            logger: logger
        )
        let report = await sweeper.sweep(deadline: nil)
        await sweeper.shutdown()
        healthyRanges.append(sweepStart..<broker.requestCount)

        let tally = Tally(
            requests: broker.requests,
            healthyRanges: healthyRanges,
            sweepStart: sweepStart,
            published: published.withLock { $0 }
        )
        let rows: [(String, Int)] = [
            ("published", tally.published),
            ("delivered directly", counts.delivered),
            ("spooled", counts.spooled),
            ("delivered by the sweeper", tally.deliveredBySweeper),
            ("given up", report.deadLettered),
            ("duplicates seen by the broker", tally.duplicates),
            ("lost", tally.lost),
        ]
        print("")
        for (name, value) in rows {
            print(name.padding(toLength: 32, withPad: " ", startingAt: 0) + String(value).leftPadded(to: 8))
        }
        if tally.lost > 0 {
            print("LOST \(tally.lost) events: every published event must reach the broker")
        } else {
            print("nothing lost: every published event reached the broker")
        }
        return tally.lost
    }

    /// The demo's event number `index`.
    static func event(_ index: Int) -> Event {
        Event(
            type: "com.example.demo.order.created",
            source: "/eventspool-demo",
            subject: "order-\(index)",
            text: #"{"order":\#(index),"total":"\#(index % 97).99"}"#
        )
    }

    private func setBroker(up: Bool, status: Int) async throws {
        broker.setDefaultBehavior(.status(status))
        if up && !broker.isListening {
            try await broker.startListening()
        } else if !up && broker.isListening {
            try await broker.stopListening()
        }
    }

    /// Publishes the events numbered `range` from `concurrency` tasks; returns the ids that returned.
    private func publish(range: Range<Int>, with publisher: Publisher, counts: LiveCounts) async -> [String] {
        let nextIndex = IndexSource(range)
        return await withTaskGroup(of: [String].self) { group in
            for _ in 0..<concurrency {
                group.addTask {
                    var ids: [String] = []
                    while true {
                        guard let index = nextIndex.next() else { return ids }
                        let event = Self.event(index)
                        do {
                            switch try await publisher.publish(event) {
                            case .delivered: counts.recordDelivered()
                            case .spooled: counts.recordSpooled()
                            }
                            ids.append(event.id)
                        } catch {
                            counts.recordFailed()
                            logger.error("not published: \(error)")
                        }
                    }
                }
            }
            var all: [String] = []
            for await ids in group { all.append(contentsOf: ids) }
            return all
        }
    }
}

/// Hands out the numbers of a range to concurrent publishing tasks, each once.
final class IndexSource: Sendable {
    private let range: Range<Int>
    private let upcoming: Mutex<Int>

    init(_ range: Range<Int>) {
        self.range = range
        self.upcoming = Mutex(range.lowerBound)
    }

    func next() -> Int? {
        upcoming.withLock { next in
            guard next < range.upperBound else { return nil }
            defer { next += 1 }
            return next
        }
    }
}

/// What the broker saw, reconciled with what was published.
struct Tally {
    var published: Int
    var deliveredBySweeper: Int
    var duplicates: Int
    var lost: Int

    /// - Parameters:
    ///   - requests: Every request the broker recorded, in arrival order.
    ///   - healthyRanges: The request indexes the broker answered 2xx.
    ///   - sweepStart: The index of the sweeper's first request.
    ///   - published: The ids of every publish that returned.
    init(requests: [RecordedRequest], healthyRanges: [Range<Int>], sweepStart: Int, published: [String]) {
        var accepted: [String: Int] = [:]
        var bySweeper = Set<String>()
        for range in healthyRanges {
            for index in range where index < requests.count {
                guard let id = requests[index].header("ce-id") else { continue }
                accepted[id, default: 0] += 1
                if index >= sweepStart { bySweeper.insert(id) }
            }
        }
        self.published = published.count
        self.deliveredBySweeper = bySweeper.count
        self.duplicates = accepted.values.reduce(0) { $0 + $1 - 1 }
        self.lost = Set(published).subtracting(accepted.keys).count
    }
}

/// The counts shown while publishing: on one updating line on a terminal, as plain lines otherwise.
final class LiveCounts: Sendable {
    private struct State {
        var phase = ""
        var delivered = 0
        var spooled = 0
        var failed = 0
        var lastDrawn = ContinuousClock.now
    }

    private let total: Int
    private let state = Mutex(State())
    private let isTerminal = isatty(STDOUT_FILENO) == 1

    init(total: Int) {
        self.total = total
    }

    var phase: String {
        get { state.withLock { $0.phase } }
        set { state.withLock { $0.phase = newValue } }
    }

    var delivered: Int { state.withLock { $0.delivered } }
    var spooled: Int { state.withLock { $0.spooled } }

    func recordDelivered() { update { $0.delivered += 1 } }
    func recordSpooled() { update { $0.spooled += 1 } }
    func recordFailed() { update { $0.failed += 1 } }

    /// Ends a phase: on a terminal the line is redrawn, otherwise one plain line is printed.
    func endPhase() {
        let text = state.withLock { line($0) }
        if isTerminal {
            draw(text)
        } else {
            print(text)
        }
    }

    func finish() {
        if isTerminal { print("") }
    }

    private func update(_ change: (inout State) -> Void) {
        let text = state.withLock { state -> String? in
            change(&state)
            let now = ContinuousClock.now
            guard isTerminal, now - state.lastDrawn >= .milliseconds(50) else { return nil }
            state.lastDrawn = now
            return line(state)
        }
        if let text { draw(text) }
    }

    private func line(_ state: State) -> String {
        let done = state.delivered + state.spooled + state.failed
        var text =
            "[\(state.phase.padding(toLength: 18, withPad: " ", startingAt: 0))] published \(done)/\(total)"
            + "  delivered now \(state.delivered)  spooled \(state.spooled)"
        if state.failed > 0 { text += "  FAILED \(state.failed)" }
        return text
    }

    private func draw(_ line: String) {
        FileHandle.standardOutput.write(Data(("\r" + line + "\u{1B}[K").utf8))
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        String(repeating: " ", count: max(0, width - count)) + self
    }
}
