import ArgumentParser
import EventSpool
import Foundation
import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension CrashTest {
    /// Delivers a warm-up event and then one more, and prints the second one's result with the process's
    /// peak resident memory before and after it: a fresh process, so that the peak belongs to this delivery
    /// alone (in the test process, other tests would set it).
    struct Deliver: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Deliver two events and report the second one's result and peak memory, as JSON."
        )

        @Option(help: "The broker's URL.")
        var brokerURL: String

        @Option(help: "The total timeout of one delivery attempt, in milliseconds.")
        var timeoutMilliseconds = 5000

        func run() async throws {
            let timeout = Duration.milliseconds(timeoutMilliseconds)
            let broker = try Broker(
                configuration: BrokerConfiguration(url: brokerURL, connectTimeout: timeout, timeout: timeout),
                logger: Logger(label: "eventspool-crashtest")
            )
            // The first delivery allocates what every delivery uses (handles, buffers, the body cap).
            _ = await broker.deliver(Event(type: "com.example.warmup", source: "/eventspool-crashtest", text: "{}"))
            let before = Self.peakResidentBytes()
            let result = await broker.deliver(
                Event(type: "com.example.measured", source: "/eventspool-crashtest", text: "{}")
            )
            let after = Self.peakResidentBytes()
            await broker.shutdown()

            let outcome: String
            switch result.outcome {
            case .delivered: outcome = "delivered"
            case .retryable: outcome = "retryable"
            case .endpointGone: outcome = "endpointGone"
            case .permanent: outcome = "permanent"
            }
            let report: [String: String] = [
                "outcome": outcome,
                "status": result.status.map(String.init) ?? "",
                "message": result.error?.message ?? "",
                "peakResidentBytesBefore": String(before),
                "peakResidentBytesAfter": String(after),
            ]
            let json = try JSONSerialization.data(withJSONObject: report, options: [.sortedKeys])
            print(String(decoding: json, as: UTF8.self))
        }

        /// The process's peak resident set size (`ru_maxrss`, KiB on Linux), in bytes.
        private static func peakResidentBytes() -> Int {
            var usage = rusage()
            #if os(Linux)
            guard getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage) == 0 else { return 0 }
            return usage.ru_maxrss * 1024
            #else
            guard getrusage(RUSAGE_SELF, &usage) == 0 else { return 0 }
            return usage.ru_maxrss
            #endif
        }
    }
}
