import EventSpool
import Logging

/// `eventspool-bench drain --dir <spool> --url <sink>`: the drain row's child process. Runs one sweeper
/// pass over the spool and prints what it did on one line: `delivered=… remaining=… deferred=…
/// seconds=… failure=…` (the failure, if any, is the rest of the line).
struct DrainCommand {
    var directory = ""
    var url = ""

    init(arguments: [String]) throws(BenchError) {
        var remaining = arguments[...]
        while let flag = remaining.popFirst() {
            guard let value = remaining.popFirst() else { throw BenchError("\(flag) needs a value") }
            switch flag {
            case "--dir": directory = value
            case "--url": url = value
            default: throw BenchError("unknown option '\(flag)'\n\(BenchOptions.usage)")
            }
        }
        guard !directory.isEmpty, !url.isEmpty else { throw BenchError("drain needs --dir and --url") }
    }

    func run() async throws {
        let configuration = Sweeper.Configuration(
            broker: BrokerConfiguration(url: url),
            spool: SpoolConfiguration(directory: directory)
        )
        let sweeper = try Sweeper(configuration: configuration, logger: Logger(label: "eventspool-bench.drain"))
        let report = await sweeper.sweep()
        await sweeper.shutdown()
        print(
            "delivered=\(report.delivered) remaining=\(report.remaining) deferred=\(report.deferred) "
                + "seconds=\(report.duration.seconds) failure=\(report.failure ?? "")"
        )
    }

    /// The fields of the line ``run()`` prints.
    static func parse(_ output: String) -> [String: String] {
        var fields: [String: String] = [:]
        guard let line = output.split(separator: "\n").last(where: { $0.hasPrefix("delivered=") }) else { return [:] }
        var rest = line[...]
        while let equals = rest.firstIndex(of: "=") {
            let name = String(rest[..<equals])
            let value = rest[rest.index(after: equals)...]
            if name == "failure" {
                fields[name] = String(value)
                break
            }
            let end = value.firstIndex(of: " ") ?? value.endIndex
            fields[name] = String(value[..<end])
            rest = end == value.endIndex ? "" : value[value.index(after: end)...]
        }
        return fields
    }
}
