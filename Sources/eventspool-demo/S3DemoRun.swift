import EventSpool
import EventSpoolTesting
import Foundation
import Logging

/// `make demo-s3`: the demo with the spool in an S3 bucket. Two publisher processes publish through the broker's
/// outage into the bucket, two sweeper processes with different host ids drain it (the bucket's lease lets one
/// sweep at a time), and the broker's requests are reconciled with what was published: nothing may be lost.
struct S3DemoRun {
    let broker: TestBroker
    let store: SpoolConfiguration.ObjectStore
    let events: Int
    let concurrency: Int
    let logger: Logger

    /// The program itself, started again as a publisher or a sweeper.
    private var program: String { CommandLine.arguments[0] }

    /// Runs the demo and returns how many events were lost.
    func run() async throws -> Int {
        print(
            "publishing \(events) events from 2 processes × \(concurrency) tasks to \(broker.url), spool "
                + "\(store.location) at \(store.endpoint)"
        )
        let publishers = try ["publisher-a", "publisher-b"].map { name in
            try DemoProcess(program, arguments: childArguments(role: "publish", hostID: name), name: name)
        }
        var healthyRanges: [Range<Int>] = []
        var published: [String] = []
        var (delivered, spooled, failed) = (0, 0, 0)
        var next = 0
        for (index, phase) in DemoRun.phases.enumerated() {
            let count = index == DemoRun.phases.count - 1 ? events - next : Int(Double(events) * phase.share)
            broker.setDefaultBehavior(.status(phase.status))
            if phase.brokerUp && !broker.isListening {
                try await broker.startListening()
            } else if !phase.brokerUp && broker.isListening {
                try await broker.stopListening()
            }
            let firstRequest = broker.requestCount
            let half = count / 2
            try publishers[0].send("publish \(next) \(half)")
            try publishers[1].send("publish \(next + half) \(count - half)")
            for publisher in publishers {
                for line in try await publisher.linesUntil("done") {
                    let words = line.split(separator: " ", maxSplits: 1).map(String.init)
                    switch words.first {
                    case "delivered":
                        delivered += 1
                        published.append(words[1])
                    case "spooled":
                        spooled += 1
                        published.append(words[1])
                    default: failed += 1
                    }
                }
            }
            if phase.brokerUp && phase.status < 300 {
                healthyRanges.append(firstRequest..<broker.requestCount)
            }
            print(
                "[\(phase.name.padding(toLength: 18, withPad: " ", startingAt: 0))] published \(next + count)/"
                    + "\(events)  delivered now \(delivered)  spooled \(spooled)"
                    + (failed > 0 ? "  FAILED \(failed)" : "")
            )
            next += count
        }
        for publisher in publishers { try await publisher.finish() }

        broker.setDefaultBehavior(.status(204))
        if !broker.isListening { try await broker.startListening() }
        let sweepStart = broker.requestCount
        print("sweeping \(spooled) spooled events from two sweeper processes (host ids sweeper-a, sweeper-b)…")
        let sweepers = try ["sweeper-a", "sweeper-b"].map { name in
            try DemoProcess(program, arguments: childArguments(role: "sweep", hostID: name), name: name)
        }
        var bySweeper: [(String, Int)] = []
        for sweeper in sweepers {
            let lines = try await sweeper.linesUntil(prefix: "swept ")
            let words = (lines.last ?? "").split(separator: " ")
            bySweeper.append((sweeper.name, words.count == 3 ? Int(words[1]) ?? 0 : 0))
            try await sweeper.finish()
        }
        healthyRanges.append(sweepStart..<broker.requestCount)

        let tally = Tally(
            requests: broker.requests,
            healthyRanges: healthyRanges,
            sweepStart: sweepStart,
            published: published
        )
        var rows: [(String, Int)] = [
            ("published", tally.published),
            ("delivered directly", delivered),
            ("spooled (in the bucket)", spooled),
        ]
        rows += bySweeper.map { ("delivered by \($0.0)", $0.1) }
        rows += [
            ("delivered by the sweepers", tally.deliveredBySweeper),
            ("duplicates seen by the broker", tally.duplicates),
            ("lost", tally.lost),
        ]
        print("")
        for (name, value) in rows {
            let number = String(value)
            print(
                name.padding(toLength: 32, withPad: " ", startingAt: 0)
                    + String(repeating: " ", count: max(0, 8 - number.count)) + number
            )
        }
        print(
            tally.lost > 0
                ? "LOST \(tally.lost) events: every published event must reach the broker"
                : "nothing lost: every published event reached the broker"
        )
        return tally.lost + failed
    }

    /// A child's command line: the store, the broker, its role and host id (the secret goes by environment).
    private func childArguments(role: String, hostID: String) -> [String] {
        [
            "--s3-endpoint", store.endpoint, "--bucket", store.bucket, "--prefix", store.prefix, "--child", role,
            "--host-id", hostID, "--broker-url", broker.url, "--concurrency", String(concurrency),
        ]
    }
}
