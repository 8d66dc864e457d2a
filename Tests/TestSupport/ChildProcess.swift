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
///
/// The child is started with `posix_spawn` and inherits nothing but its three standard descriptors (the
/// test process holds brokers' sockets and other children's pipes: a child keeping one of those open would
/// keep a port listening or a pipe from ending). One thread per child reads its output to the end and then
/// reaps it, so the blocking `read` and `waitpid` never run on Swift's cooperative pool.
package final class ChildProcess: Sendable {
    /// What the child has said so far.
    package struct Progress: Sendable {
        package var ready = false
        package var acknowledged = 0
        package var done = false
        /// Standard output is closed: the child ended (or closed it).
        package var ended = false
    }

    private struct State {
        var progress = Progress()
        var output: [String] = []
        var partialLine: [UInt8] = []
        var waiters: [(predicate: @Sendable (Progress) -> Bool, continuation: CheckedContinuation<Progress, Never>)] =
            []
        /// The raw `waitpid` status, once the child is reaped.
        var status: Int32?
        var statusWaiters: [CheckedContinuation<Int32, Never>] = []
    }

    package let name: String
    /// Where standard error goes.
    package let stderrPath: String
    package let processIdentifier: pid_t
    private let state = Mutex(State())

    /// Starts `name` from the products directory with `arguments` and an environment of only `PATH` plus
    /// `environment`; standard error goes to `stderrPath`, standard input is `/dev/null`.
    package init(_ name: String, _ arguments: [String], environment: [String: String] = [:], stderrPath: String) throws
    {
        self.name = name
        self.stderrPath = stderrPath
        let path = BuiltExecutable.directory.appendingPathComponent(name).path
        var output: [Int32] = [-1, -1]
        guard GNU.pipe2(&output, O_CLOEXEC) == 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        let errors = open(stderrPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        let input = open("/dev/null", O_RDONLY | O_CLOEXEC)
        defer {
            close(output[1])
            close(errors)
            close(input)
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, input, 0)
        posix_spawn_file_actions_adddup2(&actions, output[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errors, 2)
        GNU.addCloseFrom(&actions, 3)

        let variables = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]
            .merging(environment) { $1 }.map { "\($0.key)=\($0.value)" }
        var argv = ([path] + arguments).map { strdup($0) } + [nil]
        var envp = variables.map { strdup($0) } + [nil]
        defer {
            for string in argv + envp { free(string) }
        }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, path, &actions, nil, &argv, &envp)
        guard spawned == 0 else {
            close(output[0])
            throw POSIXError(.init(rawValue: spawned) ?? .EIO)
        }
        processIdentifier = pid
        let reading = output[0]
        Thread { [self] in
            self.readToTheEnd(reading)
        }.start()
    }

    /// What the child has said so far.
    package var progress: Progress { state.withLock { $0.progress } }

    /// Every complete line of standard output so far.
    package var output: [String] { state.withLock { $0.output } }

    /// Standard error so far.
    package var errorOutput: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    /// Returns the progress once `predicate` holds for it, or once standard output ended.
    ///
    /// Cancelling the task (a test's time limit does) kills the child, which ends its output: a stuck child
    /// can never keep a test waiting forever.
    @discardableResult
    package func wait(until predicate: @escaping @Sendable (Progress) -> Bool) async -> Progress {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let now = state.withLock { state -> Progress? in
                    if predicate(state.progress) || state.progress.ended { return state.progress }
                    state.waiters.append((predicate, continuation))
                    return nil
                }
                if let now { continuation.resume(returning: now) }
            }
        } onCancel: {
            kill()
        }
    }

    /// Sends `signal` (SIGKILL by default) to the child.
    package func kill(_ signal: Int32 = SIGKILL) {
        send(signal, to: processIdentifier)
    }

    /// The exit status once the child ended and its output was read to the end; for a child ended by a
    /// signal, the signal's number (see ``wasSignalled``). Cancelling the task kills the child.
    package func exitStatus() async -> Int32 {
        let status = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let status = state.withLock { state -> Int32? in
                    if let status = state.status { return status }
                    state.statusWaiters.append(continuation)
                    return nil
                }
                if let status { continuation.resume(returning: status) }
            }
        } onCancel: {
            kill()
        }
        // WIFEXITED / WEXITSTATUS / WTERMSIG, which Swift cannot import (they are macros).
        return status & 0x7F == 0 ? (status >> 8) & 0xFF : status & 0x7F
    }

    /// Whether the child was ended by a signal rather than exiting.
    package var wasSignalled: Bool {
        guard let status = state.withLock({ $0.status }) else { return false }
        return status & 0x7F != 0 && status & 0x7F != 0x7F
    }

    /// Runs on the child's own thread: reads standard output until it ends, then reaps the child.
    private func readToTheEnd(_ file: Int32) {
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(file, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            take(Array(buffer[..<count]))
        }
        close(file)
        take([])
        var status: Int32 = 0
        while waitpid(processIdentifier, &status, 0) < 0 && errno == EINTR {}
        let waiters = state.withLock { state in
            state.status = status
            defer { state.statusWaiters.removeAll() }
            return state.statusWaiters
        }
        for waiter in waiters {
            waiter.resume(returning: status)
        }
    }

    /// Takes bytes of standard output (none: it ended), and resumes the waiters this satisfies.
    private func take(_ bytes: [UInt8]) {
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
}

/// `kill(2)`, out of reach of ``ChildProcess/kill(_:)``'s name.
private func send(_ signal: Int32, to process: pid_t) {
    _ = kill(process, signal)
}

/// Two glibc functions that its headers declare only under `_GNU_SOURCE`, out of Swift's sight; looked up by
/// name. Where one is missing, the POSIX way: a pipe marked close-on-exec afterwards, and no extra closing.
enum GNU {
    typealias Pipe2 = @convention(c) (UnsafeMutablePointer<Int32>, Int32) -> Int32
    typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32

    static func pipe2(_ descriptors: UnsafeMutablePointer<Int32>, _ flags: Int32) -> Int32 {
        if let pipe2: Pipe2 = symbol("pipe2") {
            return pipe2(descriptors, flags)
        }
        guard pipe(descriptors) == 0 else { return -1 }
        _ = fcntl(descriptors[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(descriptors[1], F_SETFD, FD_CLOEXEC)
        return 0
    }

    static func addCloseFrom(_ actions: UnsafeMutablePointer<posix_spawn_file_actions_t>, _ lowest: Int32) {
        if let addCloseFrom: AddCloseFrom = symbol("posix_spawn_file_actions_addclosefrom_np") {
            _ = addCloseFrom(actions, lowest)
        }
    }

    private static func symbol<Function>(_ name: String) -> Function? {
        // A null handle is RTLD_DEFAULT: the symbol as the program's own libraries define it.
        guard let address = dlsym(UnsafeMutableRawPointer(bitPattern: 0), name) else { return nil }
        return unsafeBitCast(address, to: Function.self)
    }
}
