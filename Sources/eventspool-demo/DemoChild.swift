import EventSpool
import EventSpoolTesting
import Foundation
import Logging

/// The processes of `make demo-s3` that are not the coordinator: a publisher that publishes the ranges it is
/// told on standard input, and a sweeper that sweeps the bucket until nothing is pending. Each writes what it did
/// to standard output, one line each: `delivered <id>`, `spooled <id>`, `failed <index>`, then `done` after every
/// range; a sweeper ends with `swept <delivered> <passes>`.
enum DemoChild {
    /// Publishes `publish <first> <count>` ranges read from standard input until it closes.
    static func publish(
        store: SpoolConfiguration.ObjectStore,
        brokerURL: String,
        concurrency: Int,
        logger: Logger
    )
        async throws
    {
        let configuration = Publisher.Configuration(
            broker: BrokerConfiguration(url: brokerURL, connectTimeout: .seconds(1), timeout: .seconds(2)),
            spool: SpoolConfiguration(directory: "", objectStore: store),
            circuitBreaker: CircuitBreakerConfiguration(failureThreshold: 5, breakDuration: .milliseconds(250))
        )
        let spool = try S3Spool(configuration: configuration.spool, logger: logger)
        let publisher = try Publisher(configuration: configuration, spool: spool, logger: logger)
        while let command = readLine() {
            let words = command.split(separator: " ")
            guard words.count == 3, words[0] == "publish", let first = Int(words[1]), let count = Int(words[2]) else {
                continue
            }
            let lines = await publishRange(first..<(first + count), with: publisher, concurrency: concurrency)
            print((lines + ["done"]).joined(separator: "\n"))
            // Every C stream: `stdout` itself is not concurrency-safe to name.
            fflush(nil)
        }
        await publisher.shutdown()
        await spool.shutdown()
    }

    private static func publishRange(
        _ range: Range<Int>,
        with publisher: Publisher,
        concurrency: Int
    ) async
        -> [String]
    {
        let nextIndex = IndexSource(range)
        return await withTaskGroup(of: [String].self) { group in
            for _ in 0..<concurrency {
                group.addTask {
                    var lines: [String] = []
                    while let index = nextIndex.next() {
                        let event = DemoRun.event(index)
                        switch try? await publisher.publish(event) {
                        case .delivered: lines.append("delivered \(event.id)")
                        case .spooled: lines.append("spooled \(event.id)")
                        case nil: lines.append("failed \(index)")
                        }
                    }
                    return lines
                }
            }
            return await group.reduce(into: []) { $0 += $1 }
        }
    }

    /// Sweeps in short passes (each ends after half a second, releasing the lease, so that the other sweeper
    /// gets its turn) as if an hour had passed, until nothing is pending; prints `swept <delivered> <passes>`.
    static func sweep(store: SpoolConfiguration.ObjectStore, brokerURL: String, logger: Logger) async throws {
        let spoolConfiguration = SpoolConfiguration(directory: "", objectStore: store)
        let spool = try S3Spool(configuration: spoolConfiguration, logger: logger)
        // The spooled events wait for their backoff: the sweeper runs as cron would an hour later.
        let clock = ManualWallClock(Date().addingTimeInterval(3600))
        let sweeper = try Sweeper(
            configuration: Sweeper.Configuration(
                broker: BrokerConfiguration(url: brokerURL),
                spool: spoolConfiguration
            ),
            spool: spool,
            clock: clock,
            logger: logger
        )
        var delivered = 0
        var passes = 0
        var idle = 0
        while idle < 3 {
            let report = await sweeper.sweep(deadline: .now + .milliseconds(500))
            if let failure = report.failure { logger.error("sweep failed: \(failure)") }
            if !report.lockHeld {
                passes += 1
                delivered += report.delivered
            }
            var pending = 0
            for try await _ in spool.list(.pending, prefix: "") { pending += 1 }
            idle = pending == 0 ? idle + 1 : 0
            // The other sweeper's pass: the lease is its until it releases it.
            if report.lockHeld || report.delivered == 0 { try await Task.sleep(for: .milliseconds(200)) }
        }
        await sweeper.shutdown()
        await spool.shutdown()
        print("swept \(delivered) \(passes)")
    }
}
