import EventSpool
import Foundation
import Synchronization
import TestSupport
import Testing

/// node_exporter's textfile collector reads `*.prom` files at any moment: spoolctl must replace its file
/// whole (a temporary file in the same folder, not named `*.prom`, flushed, renamed over, the folder
/// flushed), and two runs must not interleave.
@Suite("spoolctl metrics files are atomic")
struct MetricsFileAtomicityTests {
    /// Runs `spoolctl stats --metrics-file` under strace and returns the traced calls, one per line.
    static func trace(_ file: String, spool: String, in directory: String) async throws -> [String] {
        let log = directory + "/strace.log"
        let spoolctl = BuiltExecutable.directory.appendingPathComponent("spoolctl").path
        let result = try await BuiltExecutable.run(
            "/usr/bin/env",
            [
                "strace", "-f", "-qq", "-o", log, "-e", "trace=flock,openat,fsync,fdatasync,rename,renameat,renameat2",
                spoolctl, "stats", "--metrics-file", file, "--spool-dir", spool,
            ]
        )
        try #require(result.status == 0, "strace (installed by scripts/ensure-deps.sh) or spoolctl failed: \(result)")
        // `-f` prefixes each line with the thread id.
        return try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").map {
            String($0.drop { $0 != " " }.drop { $0 == " " })
        }
    }

    @Test("under strace: folder locked, temporary file created, flushed, renamed over, folder flushed")
    func durabilitySteps() async throws {
        try await withTemporaryDirectory { directory in
            let spool = directory.path + "/spool"
            let textfiles = directory.path + "/textfile_collector"
            try FileManager.default.createDirectory(atPath: textfiles, withIntermediateDirectories: true)
            try await SpoolFixture.put(events: 1, into: spool)
            let calls = try await Self.trace(textfiles + "/eventspool.prom", spool: spool, in: directory.path)

            func index(_ description: String, _ matches: (String) -> Bool) throws -> Int {
                let found = calls.firstIndex(where: matches)
                return try #require(found, "no \(description) in:\n\(calls.joined(separator: "\n"))")
            }
            func descriptor(_ call: String) -> String? {
                call.split(separator: "= ").last.map { String($0.prefix { $0.isNumber }) }
            }
            let openFolder = try index("open of the folder") {
                $0.hasPrefix("openat(") && $0.contains("\"\(textfiles)\"") && $0.contains("O_DIRECTORY")
            }
            let folder = try #require(descriptor(calls[openFolder]))
            let lock = try index("flock of the folder") { $0.hasPrefix("flock(\(folder), LOCK_EX)") }
            let create = try index("creation of the temporary file") {
                $0.hasPrefix("openat(\(folder), \".eventspool.prom.") && $0.contains("O_CREAT|O_EXCL")
            }
            let temporaryName = try #require(calls[create].split(separator: "\"").dropFirst().first.map(String.init))
            #expect(!temporaryName.hasSuffix(".prom"), "node_exporter would read \(temporaryName)")
            let temporary = try #require(descriptor(calls[create]))
            let flush = try index("fsync of the temporary file") { $0.hasPrefix("fsync(\(temporary))") }
            let rename = try index("rename over the file") {
                $0.hasPrefix("rename")
                    && $0.contains("(\(folder), \"\(temporaryName)\", \(folder), \"eventspool.prom\"")
            }
            let flushFolder = try index("fsync of the folder after the rename") {
                $0.hasPrefix("fsync(\(folder))")
            }
            #expect(openFolder < lock && lock < create && create < flush && flush < rename && rename < flushFolder)
        }
    }

    @Test("a reader polling the file while it is rewritten 15 times never sees a partial file")
    func readerSeesWholeFiles() async throws {
        try await withTemporaryDirectory { directory in
            let spool = directory.path + "/spool"
            let file = directory.path + "/eventspool.prom"
            try await SpoolFixture.put(events: 3, into: spool)
            let first = try await BuiltExecutable.spoolctl("stats", "--metrics-file", file, "--spool-dir", spool)
            try #require(first.status == 0, "\(first)")
            let whole = try String(contentsOfFile: file, encoding: .utf8)
            let families = whole.split(separator: "\n").filter { $0.hasPrefix("# TYPE ") }.count

            let stop = Atomic(false)
            let reads = Atomic(0)
            let partial = Mutex<[String]>([])
            let reader = Thread {
                while !stop.load(ordering: .acquiring) {
                    guard let data = FileManager.default.contents(atPath: file) else {
                        partial.withLock { $0.append("<missing>") }
                        continue
                    }
                    let text = String(decoding: data, as: UTF8.self)
                    let types = text.split(separator: "\n").filter { $0.hasPrefix("# TYPE ") }.count
                    if !text.hasSuffix("\n") || types != families {
                        partial.withLock { $0.append(text) }
                    }
                    reads.add(1, ordering: .relaxed)
                }
            }
            reader.start()
            for _ in 0..<15 {
                let run = try await BuiltExecutable.spoolctl("stats", "--metrics-file", file, "--spool-dir", spool)
                #expect(run.status == 0, "\(run)")
            }
            stop.store(true, ordering: .releasing)
            while !reader.isFinished { await Task.yield() }
            #expect(reads.load(ordering: .relaxed) > 0)
            #expect(partial.withLock { $0 }.isEmpty, "partial reads: \(partial.withLock { $0.prefix(3) })")
            #expect(
                try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() == [
                    "eventspool.prom", "spool",
                ]
            )
        }
    }
}
