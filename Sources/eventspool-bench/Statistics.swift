import Foundation

/// One side of one round: how many operations finished in how long, and (when recorded) how long each took.
struct Sample: Sendable {
    var operations: Int
    var elapsed: Duration
    /// Operations that did not end as they should (a publish spooled while the sink was up, a POST
    /// answered with something else than 204).
    var failures = 0
    var latencies: [Duration] = []
    /// CPU time (user + system) the measured process spent meanwhile: this process for EventSpool and the
    /// bare loops, the child for wrk.
    var cpu: Duration = .zero

    var rate: Double { Double(operations) / elapsed.seconds }
    /// CPU time per operation.
    var cpuPerOperation: Duration { operations > 0 ? cpu / operations : .zero }

    /// Adds another segment of the same measurement.
    static func += (total: inout Sample, segment: Sample) {
        total.operations += segment.operations
        total.elapsed += segment.elapsed
        total.failures += segment.failures
        total.latencies += segment.latencies
        total.cpu += segment.cpu
    }
}

/// Runs `body`, which counts operations until `deadline`, and fills in the sample's wall-clock time and
/// the CPU time this process spent meanwhile.
func measured<Failure: Error>(
    for duration: Duration,
    _ body: (_ deadline: ContinuousClock.Instant) throws(Failure) -> Sample
) throws(Failure) -> Sample {
    let start = ContinuousClock.now
    let cpuAtStart = ownCPUTime()
    var sample = try body(start + duration)
    sample.elapsed = ContinuousClock.now - start
    sample.cpu = ownCPUTime() - cpuAtStart
    return sample
}

/// CPU time (user + system) this process has used so far.
func ownCPUTime() -> Duration {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    return usage.cpuTime
}

extension rusage {
    var cpuTime: Duration {
        .seconds(ru_utime.tv_sec + ru_stime.tv_sec) + .microseconds(ru_utime.tv_usec + ru_stime.tv_usec)
    }
}

extension Duration {
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }

    var milliseconds: Double { seconds * 1000 }
}

extension Array where Element == Double {
    /// The middle value (the mean of the two middle ones for an even count); 0 when empty.
    var median: Double {
        guard !isEmpty else { return 0 }
        let sorted = self.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}

/// Percentiles of a set of latencies (nearest rank).
struct Percentiles: Sendable {
    var p50: Duration
    var p99: Duration
    var max: Duration
    var count: Int

    init(_ latencies: [Duration]) {
        let sorted = latencies.sorted()
        func rank(_ percent: Int) -> Duration {
            guard !sorted.isEmpty else { return .zero }
            return sorted[Swift.min(sorted.count - 1, (sorted.count * percent + 99) / 100 - 1)]
        }
        p50 = rank(50)
        p99 = rank(99)
        self.max = sorted.last ?? .zero
        count = sorted.count
    }
}

/// Numbers for people: `12,345`, `1.2 ms`, `34.5 MiB`.
enum Format {
    static func count(_ value: Double) -> String {
        let rounded = Int(value.rounded())
        let digits = String(abs(rounded))
        var grouped = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { grouped += "," }
            grouped.append(digit)
        }
        return (rounded < 0 ? "-" : "") + grouped
    }

    static func count(_ value: Int) -> String { count(Double(value)) }

    static func fixed(_ value: Double, _ decimals: Int) -> String {
        String(format: "%.\(decimals)f", value)
    }

    static func milliseconds(_ duration: Duration) -> String {
        let value = duration.milliseconds
        return value < 10 ? fixed(value, 2) + " ms" : fixed(value, 1) + " ms"
    }

    static func seconds(_ duration: Duration) -> String {
        fixed(duration.seconds, duration.seconds < 10 ? 2 : 1) + " s"
    }

    static func microseconds(_ duration: Duration) -> String {
        fixed(duration.seconds * 1e6, 1) + " µs"
    }

    static func ratio(_ value: Double) -> String {
        fixed(value, value < 10 ? 2 : 1) + "×"
    }

    static func mebibytes(kibibytes: Int) -> String {
        fixed(Double(kibibytes) / 1024, 1) + " MiB"
    }
}
