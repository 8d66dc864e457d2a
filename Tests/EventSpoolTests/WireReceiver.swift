import EventSpoolModel
import Foundation
import Synchronization
import TestSupport
import Testing

/// The Python conformance receiver (`Tests/Conformance/receiver.py`) as a subprocess on 127.0.0.1:0.
///
/// It parses every request with the official CloudEvents SDK and verifies its signature with the
/// official Standard Webhooks library, answers 204 (or 400 with the problems), and prints one JSON
/// verdict per request, which ``nextVerdict()`` hands back. When Python or its packages are missing,
/// ``start(arguments:)`` throws a message that says so (`make test` installs them first).
final class WireReceiver: Sendable {
    /// `http://127.0.0.1:<port>/events`, or `https://…` when started with a certificate.
    let url: String

    private let process: Process
    private let input: Pipe
    private let lines: LineIterator
    private let errors: CollectedText
    private let exited: AsyncStream<Int32>

    /// The receiver's script, found from this file's path (the package root is two folders up).
    static let script = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Conformance/receiver.py").path

    private init(
        url: String,
        process: Process,
        input: Pipe,
        lines: LineIterator,
        errors: CollectedText,
        exited: AsyncStream<Int32>
    ) {
        self.url = url
        self.process = process
        self.input = input
        self.lines = lines
        self.errors = errors
        self.exited = exited
    }

    /// Starts the receiver and waits until it listens.
    ///
    /// - Parameter arguments: `receiver.py` options: `--secret whsec_…`, `--no-verify`, `--tls-cert` …
    /// - Throws: ``WireReceiverError`` with Python's own words when it cannot start.
    static func start(arguments: [String] = []) async throws -> WireReceiver {
        let python = ProcessInfo.processInfo.environment["EVENTSPOOL_PYTHON"] ?? "python3"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [python, "-u", script] + arguments
        let input = Pipe()
        let output = Pipe()
        let errorOutput = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errorOutput

        let (lineStream, lineContinuation) = AsyncStream<String>.makeStream()
        let pending = CollectedText()
        output.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            if data.isEmpty {
                handle.readabilityHandler = nil
                lineContinuation.finish()
                return
            }
            for line in pending.appendTakingLines(data) { lineContinuation.yield(line) }
        }
        let errors = CollectedText()
        errorOutput.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            if data.isEmpty {
                handle.readabilityHandler = nil
                return
            }
            errors.append(data)
        }
        let (exited, exitContinuation) = AsyncStream<Int32>.makeStream()
        process.terminationHandler = { process in
            exitContinuation.yield(process.terminationStatus)
            exitContinuation.finish()
        }

        do {
            try process.run()
        } catch {
            throw WireReceiverError("cannot run \(python) \(script): \(error)")
        }
        let lines = LineIterator(lineStream.makeAsyncIterator())
        guard let first = await lines.next() else {
            // It exited before listening: its stderr says why (a missing package, most likely).
            for await _ in exited {}
            let reason = errors.text.trimmingCharacters(in: .whitespacesAndNewlines)
            throw WireReceiverError(
                "the conformance receiver (\(python) \(script)) exited before listening: \(reason)\n"
                    + "Install its packages with scripts/ensure-python-deps.sh (make test does this first)."
            )
        }
        guard let port = (try? JSONDecoder().decode([String: Int].self, from: Data(first.utf8)))?["port"] else {
            throw WireReceiverError("the conformance receiver said '\(first)' instead of its port")
        }
        let scheme = arguments.contains("--tls-cert") ? "https" : "http"
        return WireReceiver(
            url: "\(scheme)://127.0.0.1:\(port)/events",
            process: process,
            input: input,
            lines: lines,
            errors: errors,
            exited: exited
        )
    }

    /// The verdict on the next request the receiver got.
    func nextVerdict() async throws -> Verdict {
        guard let line = await lines.next() else {
            throw WireReceiverError("the conformance receiver stopped: \(errors.text)")
        }
        do {
            return try JSONDecoder().decode(Verdict.self, from: Data(line.utf8))
        } catch {
            throw WireReceiverError("cannot read the verdict '\(line)': \(error)")
        }
    }

    /// Stops the receiver (it exits when its standard input closes) and waits for it.
    func stop() async {
        try? input.fileHandleForWriting.close()
        for await _ in exited {}
    }

    /// Runs `body` with a started receiver and always stops it.
    static func with<T>(arguments: [String] = [], _ body: (WireReceiver) async throws -> T) async throws -> T {
        let receiver = try await start(arguments: arguments)
        do {
            let result = try await body(receiver)
            await receiver.stop()
            return result
        } catch {
            await receiver.stop()
            throw error
        }
    }

    /// What the receiver made of one request.
    struct Verdict: Decodable, Sendable {
        /// Whether the SDKs accepted the request (and every configured secret verified its signature).
        var ok: Bool
        /// What the SDKs objected to.
        var problems: [String]
        /// `binary` or `structured`, as the receiver saw it.
        var mode: String?
        /// Every header, names in lower case.
        var headers: [String: String]
        /// The event's attributes as the current CloudEvents API parsed them; `time` as
        /// `{"epochMilliseconds": N}`.
        var attributes: [String: JSONValue]?
        /// The event's data: `{"json": …}`, `{"text": …}` or `{"base64": …}`.
        var data: JSONValue?
        /// The attributes as the legacy `cloudevents.v1.http.from_http` parsed them.
        var legacy: [String: JSONValue]?
        /// Per secret (by position): `verified` or the library's error.
        var signatures: [String: String]?
    }
}

/// A failure to start or talk to the conformance receiver.
struct WireReceiverError: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) {
        self.description = description
    }
}

/// Text arriving from a pipe, in pieces.
private final class CollectedText: Sendable {
    private let bytes = Mutex<[UInt8]>([])

    /// Everything collected so far.
    var text: String { bytes.withLock { String(decoding: $0, as: UTF8.self) } }

    /// Appends `data`.
    func append(_ data: Data) {
        bytes.withLock { $0.append(contentsOf: data) }
    }

    /// Appends `data`, then removes and returns the complete lines (for a pipe read line by line).
    func appendTakingLines(_ data: Data) -> [String] {
        bytes.withLock { buffer in
            buffer.append(contentsOf: data)
            var lines: [String] = []
            while let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                lines.append(String(decoding: buffer[..<newline], as: UTF8.self))
                buffer.removeSubrange(...newline)
            }
            return lines
        }
    }
}

/// The receiver's output lines, pulled by one reader at a time (a test reads its verdicts in order).
private final class LineIterator: @unchecked Sendable {
    private var iterator: AsyncStream<String>.Iterator

    init(_ iterator: AsyncStream<String>.Iterator) {
        self.iterator = iterator
    }

    func next() async -> String? {
        await iterator.next()
    }
}
