/// What `eventspool-bench run` measures and for how long. `--quick` finishes in under two minutes, the
/// default (full) run in under ten on the 2-core development machine.
struct BenchOptions: Sendable {
    /// The sink every broker-up row POSTs to (nginx answering 204).
    var sinkURL = ""
    /// Where spools and baseline files are written; every row uses this one file system.
    var workDirectory = ".build/eventspool-bench"
    /// Interleaved rounds per row (baseline, then EventSpool); the table shows medians.
    var rounds = 5
    /// How long each side of a round runs.
    var secondsPerRound = 4
    /// Spool sizes of the scaling row; the drain row is the one at ``drainEvents``.
    var scalingEvents = [10_000, 100_000, 1_000_000]
    /// The spool size of the drain row.
    var drainEvents = 100_000
    /// Events per spooled object when filling spools for the drain and scaling rows: what 16 concurrent
    /// publishers make with group commit.
    var eventsPerObject = BenchOptions.defaultEventsPerObject
    /// The load generator for the concurrent baseline and its POST script.
    var wrk = "wrk"
    var wrkScript = "Benchmarks/post.lua"
    /// The `spoolctl` binary for the `list` row; by default next to this executable.
    var spoolctl: String?
    /// The S3-compatible store of the S3 rows (`make bench` starts SeaweedFS), and its bucket; without an
    /// endpoint those rows do not run.
    var s3Endpoint: String?
    var s3Bucket = "eventspool-bench"
    /// The bucket size of the S3 drain row.
    var s3DrainEvents = 20_000
    /// The rows to run (all by default).
    var rows: Set<BenchRowKind> = Set(BenchRowKind.allCases)

    /// Bytes of each event body, and of each bare baseline file (1 KiB: the size of a spooled 512-byte
    /// event with its metadata).
    static let bodyBytes = 512
    static let defaultEventsPerObject = 16
    static let baselineFileBytes = 1024
    /// Concurrent publishers in the concurrent and spooling rows (and wrk's connections).
    static let concurrency = 16

    static let usage = """
        usage: eventspool-bench run --url <sink url> [--quick] [--rounds n] [--seconds s] [--dir path]
                                    [--scaling n,n,…] [--drain n] [--events-per-object n]
                                    [--wrk path] [--wrk-script path] [--spoolctl path] [--rows name,…]
                                    [--s3-endpoint url] [--s3-bucket name] [--s3-drain n]
               (the S3 rows read S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY)
               eventspool-bench fill --dir <spool> --events <n> [--events-per-object n]
               eventspool-bench drain --dir <spool> --url <sink url>   (the drain rows' child process)
        rows: \(BenchRowKind.allCases.map(\.rawValue).joined(separator: ", "))
        """

    /// Parses the arguments after `run`.
    init(arguments: [String]) throws(BenchError) {
        var remaining = arguments[...]
        func value(_ flag: String) throws(BenchError) -> String {
            guard let value = remaining.popFirst() else { throw BenchError("\(flag) needs a value") }
            return value
        }
        func number(_ flag: String) throws(BenchError) -> Int {
            let text = try value(flag)
            guard let number = Int(text.replacing("_", with: "")), number > 0 else {
                throw BenchError("\(flag) needs a positive whole number, not '\(text)'")
            }
            return number
        }
        while let flag = remaining.popFirst() {
            switch flag {
            case "--url": sinkURL = try value(flag)
            case "--dir": workDirectory = try value(flag)
            case "--quick":
                rounds = 3
                secondsPerRound = 2
                scalingEvents = [10_000, 100_000]
                drainEvents = 100_000
                s3DrainEvents = 10_000
            case "--rounds": rounds = try number(flag)
            case "--seconds": secondsPerRound = try number(flag)
            case "--drain": drainEvents = try number(flag)
            case "--events-per-object": eventsPerObject = try number(flag)
            case "--wrk": wrk = try value(flag)
            case "--wrk-script": wrkScript = try value(flag)
            case "--spoolctl": spoolctl = try value(flag)
            case "--s3-endpoint": s3Endpoint = try value(flag)
            case "--s3-bucket": s3Bucket = try value(flag)
            case "--s3-drain": s3DrainEvents = try number(flag)
            case "--scaling":
                let text = try value(flag)
                let sizes = text.split(separator: ",").compactMap { Int($0.replacing("_", with: "")) }
                guard !sizes.isEmpty, sizes.allSatisfy({ $0 > 0 }) else {
                    throw BenchError("--scaling needs spool sizes such as 10000,100000, not '\(text)'")
                }
                scalingEvents = sizes.sorted()
            case "--rows":
                let text = try value(flag)
                var rows: Set<BenchRowKind> = []
                for name in text.split(separator: ",") {
                    guard let row = BenchRowKind(rawValue: String(name)) else {
                        throw BenchError("unknown row '\(name)'; rows: \(BenchRowKind.allCases.map(\.rawValue))")
                    }
                    rows.insert(row)
                }
                self.rows = rows
            default:
                throw BenchError("unknown option '\(flag)'\n\(Self.usage)")
            }
        }
        guard !sinkURL.isEmpty else { throw BenchError("--url is required\n\(Self.usage)") }
    }
}

/// The rows of the table, in order.
enum BenchRowKind: String, CaseIterable, Sendable {
    case serial
    case concurrent
    case spooling
    case latency
    case drain
    case scaling
    case s3spooling
    case s3drain
}

/// A benchmark that cannot run: a bad option, a missing tool, a failed baseline.
struct BenchError: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) {
        self.description = description
    }
}
