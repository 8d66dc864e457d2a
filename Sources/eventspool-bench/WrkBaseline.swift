import Foundation

/// The concurrent baseline: `wrk` with as many connections as the row has publishers, POSTing the same
/// body with a small Lua script, for as long as a round lasts.
struct WrkBaseline: Sendable {
    let executable: String
    let script: String
    let url: String

    func run(seconds: Int) async throws(BenchError) -> Sample {
        let outcome = try await ChildProcess.run(
            executable,
            ["-t2", "-c\(BenchOptions.concurrency)", "-d\(seconds)s", "-s", script, url]
        )
        guard outcome.exitStatus == 0, let rate = Self.number(after: "Requests/sec:", in: outcome.output) else {
            throw BenchError("wrk failed (exit status \(outcome.exitStatus)):\n\(outcome.output)")
        }
        // wrk reports the rate over its whole run; turn it back into a count over the round.
        var sample = Sample(operations: Int(rate * Double(seconds)), elapsed: .seconds(seconds))
        sample.cpu = outcome.cpu
        sample.failures = Int(Self.number(after: "Non-2xx or 3xx responses:", in: outcome.output) ?? 0)
        if let errors = outcome.output.split(separator: "\n").first(where: { $0.contains("Socket errors:") }) {
            // "Socket errors: connect 0, read 0, write 0, timeout 0"
            sample.failures += errors.split(separator: " ").compactMap {
                Int($0.trimmingCharacters(in: CharacterSet(charactersIn: ",")))
            }
            .reduce(0, +)
        }
        return sample
    }

    /// The number that follows `label` on its line of wrk's output.
    private static func number(after label: String, in output: String) -> Double? {
        for line in output.split(separator: "\n") {
            guard let range = line.range(of: label) else { continue }
            return Double(line[range.upperBound...].trimmingCharacters(in: .whitespaces))
        }
        return nil
    }
}
