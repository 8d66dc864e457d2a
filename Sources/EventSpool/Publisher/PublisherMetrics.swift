import EventSpoolModel
import Metrics

/// The publisher's metrics; dimensions are bounded (no event ids).
struct PublisherMetrics: Sendable {
    private let delivered = Counter(label: "eventspool_published_total", dimensions: [("outcome", "delivered")])
    private let spooled = Counter(label: "eventspool_published_total", dimensions: [("outcome", "spooled")])
    private let failed = Counter(label: "eventspool_published_total", dimensions: [("outcome", "failed")])
    private let latency = Timer(label: "eventspool_publish_duration")

    func record(_ outcome: PublishOutcome, duration: Duration) {
        switch outcome {
        case .delivered: delivered.increment()
        case .spooled: spooled.increment()
        }
        latency.recordNanoseconds(duration.nanoseconds)
    }

    func recordFailure() {
        failed.increment()
    }
}

extension Duration {
    /// The duration in whole nanoseconds.
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
