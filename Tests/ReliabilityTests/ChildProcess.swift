import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One run of an executable this package builds (`eventspool-crashtest`, `spoolctl`), with its standard
/// output read line by line as it comes, so a test can wait for what the child says instead of sleeping.
///
/// `eventspool-crashtest publish` says `ready`, then `acked <total>` after every durable batch of
/// acknowledgements, then `done`; ``progress`` follows those lines.
final class ChildProcess: Sendable {
    /// What the child has said so far.
    struct Progress: Sendable {
        var ready = false
        var acknowledged = 0
        var done = false
        /// Standard output is closed: the child ended (or closed it).
        var ended = false
    }

    private struct State {
        var progress = Progress()
        var output: [String] = []
        var partialLine: [UInt8] = []
        var waiters: [(predicate: @Sendable (Progress) -> Bool, continuation: CheckedContinuation<Progress, Never>)] =
            []
        var status: Int32?
        var statusWaiters: [CheckedContinuation<Int32, Never>] = []
    }

    let name: String
    private let process = Process()
    private let state = Mutex(State())
    /// Where standard error goes.
    let stderrPath: String

    /// The directory SwiftPM puts the executables in: the one the test bundle runs from.
    static let productsDirectory: URL = {
        #if os(Linux)
        if let executable = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            return URL(fileURLWithPath: executable).deletingLastPathComponent()
        }
        #endif
        for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
            return bundle.bundleURL.deletingLastPathComponent()
        }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(".build/debug")
    }()

    /// Starts `name` from the products directory with `arguments` and an environment of only `PATH` plus
    /// `environment`; standard error goes to `stderrPath`.
    init(_ name: String, _ arguments: [String], environment: [String: String] = [:], stderrPath: String) throws {
        self.name = name
        self.stderrPath = stderrPath
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
        let errors = try FileHandle(forWritingTo: URL(fileURLWithPath: stderrPath))
        defer { try? errors.close() }
        let output = Pipe()
        process.executableURL = Self.productsDirectory.appendingPathComponent(name)
        process.arguments = arguments
        process.environment = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]
            .merging(environment) { $1 }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = output
        process.standardError = errors
        output.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            if data.isEmpty {
                handle.readabilityHandler = nil
            }
            self?.read(Array(data))
        }
        process.terminationHandler = { [weak self] process in
            self?.terminated(process.terminationStatus)
        }
        try process.run()
    }

    var processIdentifier: Int32 { process.processIdentifier }

    /// What the child has said so far.
    var progress: Progress { state.withLock { $0.progress } }

    /// Every complete line of standard output so far.
    var output: [String] { state.withLock { $0.output } }

    /// Standard error so far.
    var errorOutput: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    /// Returns the progress once `predicate` holds for it, or once standard output ended.
    @discardableResult
    func wait(until predicate: @escaping @Sendable (Progress) -> Bool) async -> Progress {
        await withCheckedContinuation { continuation in
            let now = state.withLock { state -> Progress? in
                if predicate(state.progress) || state.progress.ended { return state.progress }
                state.waiters.append((predicate, continuation))
                return nil
            }
            if let now { continuation.resume(returning: now) }
        }
    }

    /// Sends `signal` (SIGKILL by default) to the child.
    func kill(_ signal: Int32 = SIGKILL) {
        send(signal, to: process.processIdentifier)
    }

    /// The exit status once the child ended, and its output is read to the end. For a child ended by a signal,
    /// the signal's number (`Process.terminationReason` is `.uncaughtSignal`).
    func exitStatus() async -> Int32 {
        let status = await withCheckedContinuation { continuation in
            let status = state.withLock { state -> Int32? in
                if let status = state.status { return status }
                state.statusWaiters.append(continuation)
                return nil
            }
            if let status { continuation.resume(returning: status) }
        }
        await wait { $0.ended }
        return status
    }

    /// Whether the child was ended by a signal rather than exiting.
    var wasSignalled: Bool { process.terminationReason == .uncaughtSignal }

    private func read(_ bytes: [UInt8]) {
        let ready = state.withLock { state -> [(CheckedContinuation<Progress, Never>, Progress)] in
            if bytes.isEmpty {
                state.progress.ended = true
            }
            state.partialLine += bytes
            while let newline = state.partialLine.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: state.partialLine[..<newline], as: UTF8.self)
                state.partialLine.removeSubrange(...newline)
                state.output.append(line)
                if line == "ready" {
                    state.progress.ready = true
                } else if line == "done" {
                    state.progress.done = true
                } else if line.hasPrefix("acked "), let total = Int(line.dropFirst(6)) {
                    state.progress.acknowledged = max(state.progress.acknowledged, total)
                }
            }
            let progress = state.progress
            var resumed: [(CheckedContinuation<Progress, Never>, Progress)] = []
            state.waiters.removeAll { waiter in
                guard progress.ended || waiter.predicate(progress) else { return false }
                resumed.append((waiter.continuation, progress))
                return true
            }
            return resumed
        }
        for (continuation, progress) in ready {
            continuation.resume(returning: progress)
        }
    }

    private func terminated(_ status: Int32) {
        let waiters = state.withLock { state in
            state.status = status
            defer { state.statusWaiters.removeAll() }
            return state.statusWaiters
        }
        for waiter in waiters {
            waiter.resume(returning: status)
        }
    }
}

/// `kill(2)`, out of reach of ``ChildProcess/kill(_:)``'s name.
private func send(_ signal: Int32, to process: pid_t) {
    _ = kill(process, signal)
}
