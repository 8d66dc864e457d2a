import Foundation
import Synchronization

/// A child process of `make demo-s3`: lines go to its standard input, and its standard output is read line by
/// line on a thread of its own (a full pipe would block the child), for the coordinator to wait on.
final class DemoProcess: @unchecked Sendable {
    private struct Lines {
        var lines: [String] = []
        /// Counts every line read and the end, so that a waiter knows whether something came meanwhile.
        var generation = 0
        var ended = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    /// The child's name in the demo's output (its host id).
    let name: String
    // Only touched by `init`, `send` and `finish`, which the coordinator calls one at a time.
    private let process: Process
    private let input: FileHandle
    private let state = Mutex(Lines())

    /// Starts `program` with `arguments`; its standard error is this process's.
    init(_ program: String, arguments: [String], name: String) throws {
        self.name = name
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        self.process = process
        self.input = input.fileHandleForWriting
        let reader = output.fileHandleForReading
        Thread { [self] in
            var buffer = Data()
            while true {
                let chunk = reader.availableData
                if chunk.isEmpty { break }
                buffer.append(chunk)
                while let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                    let line = String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self)
                    buffer.removeSubrange(buffer.startIndex...newline)
                    let waiter = self.state.withLock { lines in
                        lines.lines.append(line)
                        lines.generation += 1
                        defer { lines.waiter = nil }
                        return lines.waiter
                    }
                    waiter?.resume()
                }
            }
            let waiter = self.state.withLock { lines in
                lines.ended = true
                lines.generation += 1
                defer { lines.waiter = nil }
                return lines.waiter
            }
            waiter?.resume()
        }.start()
    }

    /// Writes one line to the child's standard input.
    func send(_ line: String) throws {
        try input.write(contentsOf: Data((line + "\n").utf8))
    }

    /// The lines before the line `marker` (which is consumed), waiting for it.
    func linesUntil(_ marker: String) async throws -> [String] {
        try await lines { $0 == marker }.dropLast()
    }

    /// The lines up to and including the first that starts with `prefix`, waiting for it.
    func linesUntil(prefix: String) async throws -> [String] {
        try await lines { $0.hasPrefix(prefix) }
    }

    /// Closes the child's standard input and waits for it to exit.
    ///
    /// - Throws: When it exited with another status than 0.
    func finish() async throws {
        try? input.close()
        let process = self.process
        let status = await withCheckedContinuation { continuation in
            Thread {
                process.waitUntilExit()
                continuation.resume(returning: process.terminationStatus)
            }.start()
        }
        guard status == 0 else { throw DemoError("\(name) exited with status \(status)") }
    }

    private func lines(through isLast: @escaping @Sendable (String) -> Bool) async throws -> [String] {
        while true {
            let (found, ended, generation) = state.withLock { lines -> ([String]?, Bool, Int) in
                guard let index = lines.lines.firstIndex(where: isLast) else {
                    return (nil, lines.ended, lines.generation)
                }
                let taken = Array(lines.lines[...index])
                lines.lines.removeFirst(index + 1)
                return (taken, lines.ended, lines.generation)
            }
            if let found { return found }
            if ended { throw DemoError("\(name) ended before it said what the demo waits for") }
            await withCheckedContinuation { continuation in
                let now = state.withLock { lines -> Bool in
                    guard lines.generation == generation else { return true }
                    lines.waiter = continuation
                    return false
                }
                if now { continuation.resume() }
            }
        }
    }
}

/// The demo could not run as it should.
struct DemoError: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) {
        self.description = description
    }
}
