import EventSpool
import Logging

/// `eventspool-bench fill --dir <spool> --events <n> [--events-per-object <n>]`: fills a spool the way the
/// sweeper rows do, to profile a drain by hand (`perf record eventspool-bench drain …`).
struct FillCommand {
    var fill = SpoolFill(directory: "", events: 0, eventsPerObject: BenchOptions.defaultEventsPerObject)

    init(arguments: [String]) throws(BenchError) {
        var remaining = arguments[...]
        while let flag = remaining.popFirst() {
            guard let value = remaining.popFirst() else { throw BenchError("\(flag) needs a value") }
            switch flag {
            case "--dir": fill.configuration.directory = value
            case "--events", "--events-per-object":
                guard let number = Int(value.replacing("_", with: "")), number > 0 else {
                    throw BenchError("\(flag) needs a positive whole number, not '\(value)'")
                }
                if flag == "--events" { fill.events = number } else { fill.configuration.maxEventsPerObject = number }
            default: throw BenchError("unknown option '\(flag)'\n\(BenchOptions.usage)")
            }
        }
        guard !fill.configuration.directory.isEmpty, fill.events > 0 else {
            throw BenchError("fill needs --dir and --events")
        }
    }

    func run() async throws {
        let rate = try await fill.run(logger: Logger(label: "eventspool-bench.fill"))
        print("filled \(fill.configuration.directory) with \(fill.events) events at \(Int(rate)) events/s")
    }
}
