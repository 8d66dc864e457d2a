import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A process the benchmark starts and waits for with `wait4`, which reports that one child's peak
/// resident memory (`getrusage(RUSAGE_CHILDREN)` would give the largest of all children so far).
///
/// Everything here blocks, so it runs on a thread of its own (``onDedicatedThread(_:)``), never on
/// Swift's cooperative pool.
struct ChildProcess {
    /// What a finished child did.
    struct Outcome: Sendable {
        var exitStatus: Int32
        /// The whole of standard output, unless it was only counted (``run(_:_:countingLinesOnly:)``).
        var output: String
        /// Lines written to standard output.
        var lines: Int
        /// From the start to the end of the first `firstLines` lines of output (`nil` if there were fewer).
        var timeToLine: Duration?
        /// From the start until the child was reaped.
        var elapsed: Duration
        /// The child's peak resident set size, in KiB (`ru_maxrss`).
        var peakRSSKiB: Int
        /// The child's CPU time, user and system.
        var cpu: Duration
    }

    /// Starts `executable` (searched in `PATH` when it has no `/`) with `arguments`, reads its standard
    /// output to the end and waits for it. Standard error goes where ours goes.
    ///
    /// - Parameters:
    ///   - timeToLine: Measure the time until this many lines have been written.
    ///   - keepOutput: Keep the output (otherwise it is read and only its lines counted).
    static func run(
        _ executable: String,
        _ arguments: [String],
        timeToLine: Int = 1,
        keepOutput: Bool = true
    ) async throws(BenchError) -> Outcome {
        let result = await onDedicatedThread {
            Result { () throws(BenchError) in
                try runBlocking(executable, arguments, timeToLine: timeToLine, keepOutput: keepOutput)
            }
        }
        return try result.get()
    }

    private static func runBlocking(
        _ executable: String,
        _ arguments: [String],
        timeToLine: Int,
        keepOutput: Bool
    ) throws(BenchError) -> Outcome {
        var pipeEnds: [Int32] = [0, 0]
        guard pipe(&pipeEnds) == 0 else { throw BenchError("pipe: \(String(cString: strerror(errno)))") }
        let (readEnd, writeEnd) = (pipeEnds[0], pipeEnds[1])

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, writeEnd, STDOUT_FILENO)
        posix_spawn_file_actions_addclose(&actions, readEnd)
        posix_spawn_file_actions_addclose(&actions, writeEnd)

        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }

        let start = ContinuousClock.now
        var pid: pid_t = 0
        let code = posix_spawnp(&pid, executable, &actions, nil, argv, environ)
        close(writeEnd)
        guard code == 0 else {
            close(readEnd)
            throw BenchError("could not start \(executable): \(String(cString: strerror(code)))")
        }

        var output: [UInt8] = []
        var lines = 0
        var lineTime: Duration?
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(readEnd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            let chunk = buffer[0..<count]
            let newlines = chunk.reduce(0) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
            if lineTime == nil && lines + newlines >= timeToLine {
                lineTime = ContinuousClock.now - start
            }
            lines += newlines
            if keepOutput { output.append(contentsOf: chunk) }
        }
        close(readEnd)

        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 {
            guard errno == EINTR else { throw BenchError("wait4 \(executable): \(String(cString: strerror(errno)))") }
        }
        let elapsed = ContinuousClock.now - start
        // WIFEXITED / WEXITSTATUS are macros Swift does not import.
        let exitStatus = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        return Outcome(
            exitStatus: exitStatus,
            output: String(decoding: output, as: UTF8.self),
            lines: lines,
            timeToLine: lineTime,
            elapsed: elapsed,
            peakRSSKiB: usage.ru_maxrss,
            cpu: usage.cpuTime
        )
    }
}

/// Runs blocking `body` on a new thread and returns its result, keeping Swift's cooperative pool free.
func onDedicatedThread<Value: Sendable>(_ body: @escaping @Sendable () -> Value) async -> Value {
    await withCheckedContinuation { continuation in
        let thread = Thread { continuation.resume(returning: body()) }
        thread.name = "eventspool-bench"
        thread.start()
    }
}
