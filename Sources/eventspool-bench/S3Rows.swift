import EventSpool
import Foundation
import Logging

/// The S3 rows, against the SeaweedFS `make bench` starts (`--s3-endpoint`, `--s3-bucket`, credentials from
/// `S3_ACCESS_KEY_ID` / `S3_SECRET_ACCESS_KEY`): spooling into the bucket with 16 publishers against one bare
/// `PUT If-None-Match` per event from 16 tasks; and a sweeper draining the bucket against one draining a directory.
struct S3Rows: Sendable {
    let options: BenchOptions
    let logger: Logger
    let store: SpoolConfiguration.ObjectStore

    private var round: Duration { .seconds(options.secondsPerRound) }

    /// The store `options` names, or `nil` (the rows do not run) without `--s3-endpoint`.
    static func store(_ options: BenchOptions) throws(BenchError) -> SpoolConfiguration.ObjectStore? {
        guard let endpoint = options.s3Endpoint else { return nil }
        let environment = ProcessInfo.processInfo.environment
        guard let key = environment["S3_ACCESS_KEY_ID"], let secret = environment["S3_SECRET_ACCESS_KEY"] else {
            throw BenchError("--s3-endpoint needs S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY in the environment")
        }
        return SpoolConfiguration.ObjectStore(
            endpoint: endpoint,
            bucket: options.s3Bucket,
            credentials: .init(accessKeyID: key, secretAccessKey: secret)
        )
    }

    /// 16 publishers spooling (broker down) into the bucket through `S3Spool.put`, group commit making one PUT
    /// of many events, vs 16 tasks each creating one object per event with `PUT If-None-Match: *`.
    func spooling() async throws -> RowResult {
        let tasks = BenchOptions.concurrency
        let closedPort = try ClosedPort()
        let publishRows = PublishRows(options: options, logger: logger)
        let bareBody = [UInt8](repeating: UInt8(ascii: "x"), count: BenchOptions.baselineFileBytes)
        var bareRates: [Double] = []
        var spoolRates: [Double] = []
        var ratios: [Double] = []
        var eventsPerObject: [Double] = []
        var raw: [String] = []
        var failures = 0
        for index in 1...options.rounds {
            let prefix = "bench-\(UInt32.random(in: 0...UInt32.max))/spooling-\(index)"
            let client = try S3Client(configuration: clientConfiguration(prefix: prefix), logger: logger)
            let baseline = await bareCreates(client, tasks: tasks, body: bareBody)
            let spool = try S3Spool(configuration: spoolConfiguration(prefix: prefix), logger: logger)
            let publisher = try Publisher(
                configuration: Publisher.Configuration(
                    broker: BrokerConfiguration(url: closedPort.url, maxConnections: tasks),
                    spool: spool.configuration
                ),
                spool: spool,
                logger: logger
            )
            let warmUps = try await publishRows.openCircuit(publisher)
            let spooled = await publishRows.publish(
                publisher,
                tasks: tasks,
                for: round,
                expecting: .spooled,
                onExecutor: false
            )
            await publisher.shutdown()
            await spool.shutdown()
            var objects = 0
            for try await _ in client.objects(prefix: client.key("pending/")) { objects += 1 }
            await client.shutdown()
            let perObject = Double(spooled.operations) / Double(max(1, objects - warmUps))
            bareRates.append(baseline.rate)
            spoolRates.append(spooled.rate)
            ratios.append(spooled.rate / baseline.rate)
            eventsPerObject.append(perObject)
            failures += baseline.failures + spooled.failures
            raw.append(
                "S3 spooling, round \(index): bare PUT If-None-Match, one per event, \(tasks) tasks "
                    + "\(Format.count(baseline.rate))/s, \(Format.microseconds(baseline.cpuPerOperation)) CPU each; "
                    + "\(tasks) publishers spooling \(Format.count(spooled.rate))/s "
                    + "(\(Format.ratio(spooled.rate / baseline.rate))), "
                    + "\(Format.microseconds(spooled.cpuPerOperation)) CPU each, \(Format.fixed(perObject, 1)) events "
                    + "per object"
            )
        }
        raw.append(
            "S3 spooling, medians: bare \(Format.count(bareRates.median)) PUT/s, \(tasks) publishers "
                + "\(Format.count(spoolRates.median)) events/s, \(Format.fixed(eventsPerObject.median, 1)) events per "
                + "object; PUTs or publishes that failed: \(failures)"
        )
        let ratio = ratios.median
        return RowResult(
            kind: .s3spooling,
            name: "spooling to S3, broker down (\(tasks) tasks)",
            eventSpool: "\(Format.count(spoolRates.median)) events/s",
            baseline: "\(Format.count(bareRates.median)) PUT/s (one PUT per event)",
            ratio: Format.ratio(ratio),
            target: "≥ 1×",
            met: failures == 0 ? ratio >= 1 : false,
            raw: raw
        )
    }

    /// `tasks` tasks each creating one new object after another for a round.
    private func bareCreates(_ client: S3Client, tasks: Int, body: [UInt8]) async -> Sample {
        let start = ContinuousClock.now
        let deadline = start + round
        let cpuAtStart = ownCPUTime()
        let samples = await withTaskGroup(of: Sample.self) { group in
            for task in 0..<tasks {
                group.addTask {
                    var sample = Sample(operations: 0, elapsed: .zero)
                    repeat {
                        let key = client.key("bare/\(task)-\(sample.operations)")
                        if case .created = try? await client.putIfAbsent(key, bytes: body) {
                        } else {
                            sample.failures += 1
                        }
                        sample.operations += 1
                    } while ContinuousClock.now < deadline
                    return sample
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        var total = Sample(operations: 0, elapsed: ContinuousClock.now - start, cpu: ownCPUTime() - cpuAtStart)
        for sample in samples {
            total.operations += sample.operations
            total.failures += sample.failures
        }
        return total
    }

    /// A sweeper delivering N events spooled in the bucket to the sink vs one delivering N events spooled in a
    /// directory, both in this process, both filled the same way (16 events per object), in rounds.
    func drain() async throws -> RowResult {
        let events = options.s3DrainEvents
        var ratios: [Double] = []
        var bucketRates: [Double] = []
        var directoryRates: [Double] = []
        var raw: [String] = []
        var complete = true
        for index in 1...options.rounds {
            let directory = options.workDirectory + "/s3-drain-baseline"
            try? FileManager.default.removeItem(atPath: directory)
            progress(
                "drain from S3, round \(index): filling a directory and a bucket with \(Format.count(events)) events"
            )
            let directoryConfiguration = fillConfiguration(SpoolConfiguration(directory: directory))
            _ = try await SpoolFill(configuration: directoryConfiguration, events: events).run(logger: logger)
            let directoryDrain = try await sweep(DirectorySpool(configuration: directoryConfiguration, logger: logger))
            try? FileManager.default.removeItem(atPath: directory)

            let prefix = "bench-\(UInt32.random(in: 0...UInt32.max))/drain-\(index)"
            let bucketConfiguration = fillConfiguration(spoolConfiguration(prefix: prefix))
            let fillRate = try await SpoolFill(configuration: bucketConfiguration, events: events).run(logger: logger)
            // The start-up race probe (docs/s3.md) is not part of the drain: run it, and record it, first.
            let client = try S3Client(configuration: clientConfiguration(prefix: prefix), logger: logger)
            try await S3RaceProbe.requirePassed(client: client, logger: logger)
            await client.shutdown()
            let bucketDrain = try await sweep(S3Spool(configuration: bucketConfiguration, logger: logger))

            complete =
                complete && bucketDrain.delivered == events && directoryDrain.delivered == events
                && bucketDrain.remaining == 0 && directoryDrain.remaining == 0
            bucketRates.append(bucketDrain.rate)
            directoryRates.append(directoryDrain.rate)
            ratios.append(bucketDrain.rate / directoryDrain.rate)
            raw.append(
                "drain from S3, round \(index): bucket filled at \(Format.count(fillRate)) events/s, drained "
                    + "\(bucketDrain.delivered) (\(bucketDrain.remaining) remaining) in "
                    + "\(Format.seconds(bucketDrain.duration)) = \(Format.count(bucketDrain.rate))/s"
                    + (bucketDrain.failure.map { ", failure: \($0)" } ?? "") + "; directory drained "
                    + "\(directoryDrain.delivered) (\(directoryDrain.remaining) remaining) in "
                    + "\(Format.seconds(directoryDrain.duration)) = \(Format.count(directoryDrain.rate))/s"
                    + (directoryDrain.failure.map { ", failure: \($0)" } ?? "")
            )
        }
        let ratio = ratios.median
        return RowResult(
            kind: .s3drain,
            name: "drain from S3, \(Format.count(events)) events",
            eventSpool: "\(Format.count(bucketRates.median)) events/s",
            baseline: "\(Format.count(directoryRates.median)) events/s (drain from a directory)",
            ratio: Format.ratio(ratio),
            target: "≥ 0.5×",
            met: complete ? ratio >= 0.5 : false,
            raw: raw
        )
    }

    /// One sweeper pass over `spool` to the sink.
    private func sweep(
        _ spool: any Spool
    ) async throws -> (
        delivered: Int, remaining: Int, duration: Duration, failure: String?, rate: Double
    ) {
        let sweeper = try Sweeper(
            configuration: Sweeper.Configuration(
                broker: BrokerConfiguration(url: options.sinkURL),
                spool: spool.configuration
            ),
            spool: spool,
            logger: logger
        )
        let report = await sweeper.sweep()
        await sweeper.shutdown()
        await spool.shutdown()
        return (
            report.delivered, report.remaining, report.duration, report.failure,
            Double(report.delivered) / report.duration.seconds
        )
    }

    private func fillConfiguration(_ base: SpoolConfiguration) -> SpoolConfiguration {
        var configuration = base
        configuration.limits = SpoolConfiguration.Limits(maxBytes: 1 << 40, maxObjects: 1 << 30)
        configuration.maxEventsPerObject = options.eventsPerObject
        return configuration
    }

    /// The bucket under `prefix`, with no local last resort: a put the store refuses fails the row.
    private func spoolConfiguration(prefix: String) -> SpoolConfiguration {
        var store = store
        store.prefix = prefix
        return SpoolConfiguration(directory: "", objectStore: store)
    }

    private func clientConfiguration(prefix: String) -> S3Configuration {
        S3Configuration(
            endpoint: store.endpoint,
            bucket: store.bucket,
            prefix: prefix,
            credentials: store.credentials.map {
                S3Credentials(accessKeyID: $0.accessKeyID, secretAccessKey: $0.secretAccessKey)
            }
        )
    }
}
