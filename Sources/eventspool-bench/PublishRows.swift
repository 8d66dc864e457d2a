import EventSpool
import Foundation
import Logging

/// The rows that publish: serial and concurrent to the sink, and spooling and latency with the broker
/// down. Each round runs the baseline, then EventSpool, for the same time; the table shows medians.
struct PublishRows: Sendable {
    let options: BenchOptions
    let logger: Logger
    let body = [UInt8](repeating: UInt8(ascii: "x"), count: BenchOptions.bodyBytes)

    private var round: Duration { .seconds(options.secondsPerRound) }
    private var warmUp: Duration { .milliseconds(500) }

    // MARK: - Broker up

    /// 1 task publishing one event after another vs a bare `curl_easy_perform` loop.
    func serial() async throws -> RowResult {
        let bare = try BareCurlLoop(url: options.sinkURL, body: body)
        let publisher = try makePublisher(url: options.sinkURL, spool: "serial")
        _ = await bare.run(for: warmUp)
        _ = await publish(publisher, tasks: 1, for: warmUp, expecting: .delivered, onExecutor: true)

        var bareRates: [Double] = []
        var pinnedRates: [Double] = []
        var poolRates: [Double] = []
        var ratios: [Double] = []
        var raw: [String] = []
        var failures = 0
        for index in 1...options.rounds {
            let baseline = await bare.run(for: round)
            let pinned = await publish(publisher, tasks: 1, for: round, expecting: .delivered, onExecutor: true)
            let pool = await publish(publisher, tasks: 1, for: round, expecting: .delivered, onExecutor: false)
            bareRates.append(baseline.rate)
            pinnedRates.append(pinned.rate)
            poolRates.append(pool.rate)
            ratios.append(pinned.rate / baseline.rate)
            failures += baseline.failures + pinned.failures + pool.failures
            raw.append(
                "serial, round \(index): bare curl loop \(Self.describe(baseline)); publish on publisher.executor "
                    + "\(Self.describe(pinned, against: baseline)); publish from the cooperative pool "
                    + "\(Self.describe(pool, against: baseline))"
            )
        }
        await publisher.shutdown()
        raw.append(
            "serial, medians: bare \(Format.count(bareRates.median))/s, on publisher.executor "
                + "\(Format.count(pinnedRates.median))/s, from the cooperative pool \(Format.count(poolRates.median))/s; "
                + "requests not answered 2xx or publishes not delivered: \(failures)"
        )
        let ratio = ratios.median
        return RowResult(
            kind: .serial,
            name: "serial publish, broker up (1 task)",
            eventSpool: "\(Format.count(pinnedRates.median)) events/s",
            baseline: "\(Format.count(bareRates.median)) POST/s (bare curl loop)",
            ratio: Format.ratio(ratio),
            target: "≥ 0.9×",
            met: failures == 0 ? ratio >= 0.9 : false,
            raw: raw
        )
    }

    /// 16 tasks publishing at once vs `wrk` with 16 connections.
    func concurrent() async throws -> (row: RowResult, rate: Double) {
        let wrk = WrkBaseline(executable: options.wrk, script: options.wrkScript, url: options.sinkURL)
        let bareMulti = try BareCurlMultiLoop(url: options.sinkURL, body: body, connections: BenchOptions.concurrency)
        let publisher = try makePublisher(url: options.sinkURL, spool: "concurrent")
        let tasks = BenchOptions.concurrency
        _ = await publish(publisher, tasks: tasks, for: warmUp, expecting: .delivered, onExecutor: false)
        let threadsBefore = ProcessCounters.threads()

        var wrkRates: [Double] = []
        var poolRates: [Double] = []
        var pinnedRates: [Double] = []
        var multiRates: [Double] = []
        var ratios: [Double] = []
        var raw: [String] = []
        var failures = 0
        var connectionsOpened = 0
        var publishes = 0
        var threadsDuring = 0
        for index in 1...options.rounds {
            let baseline = try await wrk.run(seconds: options.secondsPerRound)
            let opensBefore = ProcessCounters.tcpActiveOpens()
            let pool = await publish(publisher, tasks: tasks, for: round, expecting: .delivered, onExecutor: false)
            connectionsOpened += ProcessCounters.tcpActiveOpens() - opensBefore
            publishes += pool.operations
            threadsDuring = max(threadsDuring, ProcessCounters.threads())
            let pinned = await publish(publisher, tasks: tasks, for: round, expecting: .delivered, onExecutor: true)
            let multi = await bareMulti.run(for: round)
            multiRates.append(multi.rate)
            wrkRates.append(baseline.rate)
            poolRates.append(pool.rate)
            pinnedRates.append(pinned.rate)
            ratios.append(pool.rate / baseline.rate)
            failures += baseline.failures + pool.failures + pinned.failures + multi.failures
            raw.append(
                "concurrent, round \(index): wrk -c\(tasks) -t2 \(Self.describe(baseline)); \(tasks) tasks "
                    + "\(Self.describe(pool, against: baseline)); \(tasks) tasks on publisher.executor "
                    + "\(Self.describe(pinned, against: baseline)); bare libcurl multi loop, \(tasks) handles "
                    + "\(Self.describe(multi, against: baseline))"
            )
        }
        let sockets = ProcessCounters.openSockets()
        await publisher.shutdown()
        raw.append(
            "concurrent, medians: wrk \(Format.count(wrkRates.median))/s, \(tasks) tasks "
                + "\(Format.count(poolRates.median))/s, \(tasks) tasks on publisher.executor "
                + "\(Format.count(pinnedRates.median))/s, bare libcurl multi loop \(Format.count(multiRates.median))/s "
                + "(\(Format.ratio(multiRates.median / wrkRates.median)) of wrk: libcurl's ceiling on one thread); "
                + "non-2xx answers, socket errors or publishes not delivered: "
                + "\(failures) (CPU: wrk's own, not nginx's)"
        )
        raw.append(
            "concurrent, verified: \(Format.count(publishes)) publishes opened \(connectionsOpened) TCP connections "
                + "(system-wide count, so an upper bound); \(sockets) sockets open at the end; threads \(threadsBefore) "
                + "after warm-up, at most \(threadsDuring) while publishing (no thread or connection per publish)"
        )
        let ratio = ratios.median
        let row = RowResult(
            kind: .concurrent,
            name: "concurrent publish, broker up (\(tasks) tasks)",
            eventSpool: "\(Format.count(poolRates.median)) events/s",
            baseline: "\(Format.count(wrkRates.median)) POST/s (wrk -c\(tasks) -t2)",
            ratio: Format.ratio(ratio),
            target: "≥ 0.5×",
            met: failures == 0 ? ratio >= 0.5 : false,
            raw: raw
        )
        return (row, poolRates.median)
    }

    // MARK: - Broker down

    /// 16 tasks spooling while the broker refuses connections vs the bare durable-write loop. Each round
    /// alternates the two sides in short segments, so both see the disk in the same mood (fsync times
    /// on a shared virtual disk swing by 10× within seconds).
    func spooling() async throws -> RowResult {
        let closedPort = try ClosedPort()
        let bare = try BareDurableWrites(directory: options.workDirectory + "/baseline")
        let tasks = BenchOptions.concurrency
        let segment = round / Self.segments
        _ = try await bare.run(for: warmUp)

        var bareRates: [Double] = []
        var spoolRates: [Double] = []
        var ratios: [Double] = []
        var spoolLatencies: [Duration] = []
        var eventsPerObject: [Double] = []
        var raw: [String] = []
        var failures = 0
        for index in 1...options.rounds {
            let directory = "spooling-\(index)"
            let publisher = try makePublisher(url: closedPort.url, spool: directory)
            let warmUps = try await openCircuit(publisher)
            var baseline = Sample(operations: 0, elapsed: .zero)
            var spooled = Sample(operations: 0, elapsed: .zero)
            for _ in 0..<Self.segments {
                baseline += try await bare.run(for: segment)
                spooled += await publish(
                    publisher,
                    tasks: tasks,
                    for: segment,
                    expecting: .spooled,
                    onExecutor: false,
                    recordLatencies: true
                )
            }
            await publisher.shutdown()
            let objects = try countObjects(in: directory) - warmUps
            try removeSpool(directory)
            bareRates.append(baseline.rate)
            spoolRates.append(spooled.rate)
            ratios.append(spooled.rate / baseline.rate)
            spoolLatencies += spooled.latencies
            eventsPerObject.append(Double(spooled.operations) / Double(max(1, objects)))
            failures += spooled.failures
            raw.append(
                "spooling, round \(index): bare durable writes \(Self.describe(baseline)); \(tasks) tasks spooling "
                    + "\(Self.describe(spooled, against: baseline)) in \(Format.count(objects)) objects, "
                    + "\(Format.fixed(eventsPerObject.last ?? 0, 1)) events per object"
            )
        }
        let latencies = Percentiles(spoolLatencies)
        raw.append(
            "spooling, medians: bare \(Format.count(bareRates.median)) files/s, \(tasks) tasks "
                + "\(Format.count(spoolRates.median)) events/s, \(Format.fixed(eventsPerObject.median, 1)) events "
                + "per object (group commit: the tasks share each fsync); publish latency with \(tasks) tasks: "
                + "p50 \(Format.milliseconds(latencies.p50)) p99 \(Format.milliseconds(latencies.p99)); publishes not "
                + "spooled: \(failures)"
        )
        let ratio = ratios.median
        return RowResult(
            kind: .spooling,
            name: "spooling, broker down (\(tasks) tasks)",
            eventSpool: "\(Format.count(spoolRates.median)) events/s",
            baseline: "\(Format.count(bareRates.median)) files/s (bare durable writes)",
            ratio: Format.ratio(ratio),
            target: "≥ 10×",
            met: failures == 0 ? ratio >= 10 : false,
            raw: raw
        )
    }

    /// One publisher with the circuit open vs one bare durable write, in pairs: a bare write, then a
    /// publish, and again, so that both sides sample the same disk.
    func circuitOpenLatency() async throws -> RowResult {
        let closedPort = try ClosedPort()
        let bare = try BareDurableWrites(directory: options.workDirectory + "/baseline")
        _ = try await bare.run(for: warmUp)

        var bareLatencies: [Duration] = []
        var publishLatencies: [Duration] = []
        var raw: [String] = []
        var failures = 0
        var connects = 0
        for index in 1...options.rounds {
            let directory = "latency-\(index)"
            let publisher = try makePublisher(url: closedPort.url, spool: directory)
            _ = try await openCircuit(publisher)
            let opensBefore = ProcessCounters.tcpActiveOpens()
            var roundBare: [Duration] = []
            var roundPublish: [Duration] = []
            let deadline = ContinuousClock.now + round
            repeat {
                roundBare.append(try await bare.writeOne())
                let event = Event(type: "com.example.bench", source: "/bench", body: body)
                let start = ContinuousClock.now
                let outcome = try? await publisher.publish(event)
                roundPublish.append(ContinuousClock.now - start)
                if !Expectation.circuitOpen.isMet(by: outcome ?? .delivered) { failures += 1 }
            } while ContinuousClock.now < deadline
            connects += ProcessCounters.tcpActiveOpens() - opensBefore
            await publisher.shutdown()
            try removeSpool(directory)
            bareLatencies += roundBare
            publishLatencies += roundPublish
            let (bareRound, publishRound) = (Percentiles(roundBare), Percentiles(roundPublish))
            raw.append(
                "latency, round \(index): circuit open p50 \(Format.milliseconds(publishRound.p50)) p99 "
                    + "\(Format.milliseconds(publishRound.p99)); bare durable write p50 "
                    + "\(Format.milliseconds(bareRound.p50)) p99 \(Format.milliseconds(bareRound.p99)) "
                    + "(\(publishRound.count) pairs)"
            )
        }
        let (bareAll, open) = (Percentiles(bareLatencies), Percentiles(publishLatencies))
        raw.append(
            "latency, all rounds: circuit open p50 \(Format.milliseconds(open.p50)) p99 "
                + "\(Format.milliseconds(open.p99)) max \(Format.milliseconds(open.max)); bare durable write p50 "
                + "\(Format.milliseconds(bareAll.p50)) p99 \(Format.milliseconds(bareAll.p99)) max "
                + "\(Format.milliseconds(bareAll.max)) (\(open.count) pairs); publishes not spooled with the "
                + "circuit open: \(failures)"
        )
        raw.append(
            "latency, verified: \(Format.count(open.count)) publishes with the circuit open while "
                + "\(connects) TCP connections were attempted on this machine (system-wide count; every "
                + "connection attempt counts, refused ones too): the circuit-open path does not touch the network"
        )
        let ratio = open.p99 / bareAll.p99
        return RowResult(
            kind: .latency,
            name: "publish latency, circuit open (1 task)",
            eventSpool: "p50 \(Format.milliseconds(open.p50)), p99 \(Format.milliseconds(open.p99))",
            baseline: "p50 \(Format.milliseconds(bareAll.p50)), p99 \(Format.milliseconds(bareAll.p99)) "
                + "(one bare durable write)",
            ratio: "p99 " + Format.ratio(ratio),
            target: "p99 ≤ 2×",
            met: failures == 0 ? ratio <= 2 : false,
            raw: raw
        )
    }

    /// Segments per round in the spooling row.
    private static let segments = 4

    /// `12,345/s (0.85×), 41.2 µs CPU each`.
    private static func describe(_ sample: Sample, against baseline: Sample? = nil) -> String {
        let ratio = baseline.map { " (\(Format.ratio(sample.rate / $0.rate)))" } ?? ""
        return "\(Format.count(sample.rate))/s\(ratio), \(Format.microseconds(sample.cpuPerOperation)) CPU each"
    }

    // MARK: - Publishing

    /// What every publish of a measurement must return.
    enum Expectation {
        case delivered
        case spooled
        case circuitOpen

        func isMet(by outcome: PublishOutcome) -> Bool {
            switch (self, outcome) {
            case (.delivered, .delivered), (.spooled, .spooled): true
            case (.circuitOpen, .spooled(_, let reason)): reason == .circuitOpen
            default: false
            }
        }
    }

    /// `tasks` tasks publishing one event after another until `duration` has passed.
    ///
    /// - Parameter onExecutor: Run the tasks on the publisher's executor (the transfer thread) rather
    ///   than on the cooperative pool.
    func publish(
        _ publisher: Publisher,
        tasks: Int,
        for duration: Duration,
        expecting expectation: Expectation,
        onExecutor: Bool,
        recordLatencies: Bool = false
    ) async -> Sample {
        let start = ContinuousClock.now
        let deadline = start + duration
        let cpuAtStart = ownCPUTime()
        let samples = await withTaskExecutorPreference(onExecutor ? publisher.executor : nil) {
            await withTaskGroup(of: Sample.self) { group in
                for _ in 0..<tasks {
                    group.addTask {
                        await publishLoop(
                            publisher,
                            until: deadline,
                            expecting: expectation,
                            recordLatencies: recordLatencies
                        )
                    }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
        }
        var total = Sample(operations: 0, elapsed: ContinuousClock.now - start, cpu: ownCPUTime() - cpuAtStart)
        for sample in samples {
            total.operations += sample.operations
            total.failures += sample.failures
            total.latencies += sample.latencies
        }
        return total
    }

    private func publishLoop(
        _ publisher: Publisher,
        until deadline: ContinuousClock.Instant,
        expecting expectation: Expectation,
        recordLatencies: Bool
    ) async -> Sample {
        var sample = Sample(operations: 0, elapsed: .zero)
        if recordLatencies { sample.latencies.reserveCapacity(1 << 14) }
        var now = ContinuousClock.now
        repeat {
            let event = Event(type: "com.example.bench", source: "/bench", body: body)
            let started = recordLatencies ? ContinuousClock.now : now
            do {
                let outcome = try await publisher.publish(event)
                if !expectation.isMet(by: outcome) { sample.failures += 1 }
            } catch {
                sample.failures += 1
            }
            now = ContinuousClock.now
            if recordLatencies { sample.latencies.append(now - started) }
            sample.operations += 1
        } while now < deadline
        return sample
    }

    /// Publishes to a broker that is down until the circuit breaker opens.
    ///
    /// - Returns: How many events that took (each spooled as an object of its own).
    func openCircuit(_ publisher: Publisher) async throws(BenchError) -> Int {
        for attempt in 1...100 {
            let outcome = try? await publisher.publish(Event(type: "com.example.bench", source: "/bench", body: body))
            if PublishRows.Expectation.circuitOpen.isMet(by: outcome ?? .delivered) { return attempt }
        }
        throw BenchError("the circuit breaker did not open after 100 failed publishes")
    }

    // MARK: - Spools

    private func makePublisher(url: String, spool: String) throws -> Publisher {
        let configuration = Publisher.Configuration(
            broker: BrokerConfiguration(url: url, maxConnections: BenchOptions.concurrency),
            spool: SpoolConfiguration(directory: options.workDirectory + "/" + spool)
        )
        return try Publisher(configuration: configuration, logger: logger)
    }

    private func countObjects(in spool: String) throws -> Int {
        let pending = options.workDirectory + "/" + spool + "/pending"
        guard let files = FileManager.default.enumerator(atPath: pending) else {
            throw BenchError("cannot list \(pending)")
        }
        return files.reduce(0) { count, name in count + ((name as? String)?.hasSuffix(".evs") == true ? 1 : 0) }
    }

    private func removeSpool(_ spool: String) throws {
        try FileManager.default.removeItem(atPath: options.workDirectory + "/" + spool)
    }
}
