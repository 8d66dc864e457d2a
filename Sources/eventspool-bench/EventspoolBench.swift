import EventSpool
import Foundation
import Logging

/// `eventspool-bench`: measures EventSpool against bare baselines on the same machine, sink and disk, and
/// prints one table of ratios (see `docs/performance.md`). `make bench` starts the sink and runs it.
@main
struct EventspoolBench {
    static func main() async {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .warning
            return handler
        }
        var arguments = CommandLine.arguments.dropFirst()
        let command = arguments.popFirst()
        do {
            switch command {
            case "run":
                try await BenchRun(options: BenchOptions(arguments: Array(arguments))).run()
            case "drain":
                try await DrainCommand(arguments: Array(arguments)).run()
            case "fill":
                try await FillCommand(arguments: Array(arguments)).run()
            default:
                FileHandle.standardError.write(Data((BenchOptions.usage + "\n").utf8))
                exit(64)
            }
        } catch {
            FileHandle.standardError.write(Data("eventspool-bench: \(error)\n".utf8))
            exit(1)
        }
    }
}

/// One run of every selected row, then the report.
struct BenchRun {
    let options: BenchOptions
    let logger = Logger(label: "eventspool-bench")

    func run() async throws {
        do {
            try FileManager.default.createDirectory(atPath: options.workDirectory, withIntermediateDirectories: true)
        } catch {
            throw BenchError("cannot create the work directory \(options.workDirectory): \(error)")
        }
        let machine = Machine(directory: options.workDirectory)
        let loadBefore = Machine.loadAverage()
        let started = ContinuousClock.now
        let publishRows = PublishRows(options: options, logger: logger)
        var results: [RowResult] = []

        if options.rows.contains(.serial) {
            results.append(
                await attempt(.serial, "serial publish, broker up (1 task)", "≥ 0.9×") {
                    try await publishRows.serial()
                }
            )
        }
        var concurrentRate: Double?
        if options.rows.contains(.concurrent) {
            results.append(
                await attempt(.concurrent, "concurrent publish, broker up", "≥ 0.5×") {
                    let (row, rate) = try await publishRows.concurrent()
                    concurrentRate = rate
                    return row
                }
            )
        }
        if options.rows.contains(.spooling) {
            results.append(
                await attempt(.spooling, "spooling, broker down", "≥ 10×") { try await publishRows.spooling() }
            )
        }
        if options.rows.contains(.latency) {
            results.append(
                await attempt(.latency, "publish latency, circuit open", "p99 ≤ 2×") {
                    try await publishRows.circuitOpenLatency()
                }
            )
        }
        if options.rows.contains(.drain) || options.rows.contains(.scaling) {
            results += await DrainRows(options: options, logger: logger, concurrentRate: concurrentRate).run()
        }
        if !options.rows.isDisjoint(with: [.s3spooling, .s3drain]) {
            results += await s3Rows()
        }

        let report =
            [
                "EventSpool benchmark: \(options.rounds) rounds of \(options.secondsPerRound) s per side, medians; "
                    + "\(BenchOptions.bodyBytes)-byte bodies; sink \(options.sinkURL)",
                "",
                ResultTable.render(results),
                "",
                "machine: \(machine.cores) cores, \(machine.cpuModel), \(machine.memory) memory, \(machine.kernel)",
                "spool disk: \(machine.fileSystem) — \(options.workDirectory)",
                "load average: \(loadBefore) before, \(Machine.loadAverage()) after; "
                    + "took \(Format.seconds(ContinuousClock.now - started))",
                "",
                "raw numbers:",
            ] + results.flatMap(\.raw).map { "  " + $0 }
        print(report.joined(separator: "\n"))
    }

    /// The S3 rows, or why they did not run.
    private func s3Rows() async -> [RowResult] {
        let store: SpoolConfiguration.ObjectStore
        do throws(BenchError) {
            guard let given = try S3Rows.store(options) else {
                return [.notRun(.s3spooling, "spooling to S3", target: "≥ 1×", reason: "no --s3-endpoint")]
            }
            store = given
        } catch {
            return [.notRun(.s3spooling, "spooling to S3", target: "≥ 1×", reason: "\(error)")]
        }
        let rows = S3Rows(options: options, logger: logger, store: store)
        var results: [RowResult] = []
        if options.rows.contains(.s3spooling) {
            results.append(
                await attempt(.s3spooling, "spooling to S3, broker down", "≥ 1×") { try await rows.spooling() }
            )
        }
        if options.rows.contains(.s3drain) {
            results.append(await attempt(.s3drain, "drain from S3", "≥ 0.5×") { try await rows.drain() })
        }
        return results
    }

    private func attempt(
        _ kind: BenchRowKind,
        _ name: String,
        _ target: String,
        _ body: () async throws -> RowResult
    ) async -> RowResult {
        progress(name)
        do {
            return try await body()
        } catch {
            return .notRun(kind, name, target: target, reason: "\(error)")
        }
    }
}

/// A line on standard error, so the report on standard output stays clean.
func progress(_ message: String) {
    FileHandle.standardError.write(Data("eventspool-bench: \(message)…\n".utf8))
}
