import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What one run of a built executable printed, and how it ended.
package struct ProcessResult: CustomStringConvertible, Sendable {
    package var status: Int32
    package var stdout: String
    package var stderr: String
    package var stdoutBytes: [UInt8]

    package var description: String { "exit \(status)\n--- stdout\n\(stdout)--- stderr\n\(stderr)" }
}

/// Runs the executables this package builds (`spoolctl`, `eventspool-demo`, `eventspool-crashtest`) as child
/// processes, the way an operator or cron runs them.
package enum BuiltExecutable {
    /// The build products directory: where the test bundle is, which is where SwiftPM puts the executables.
    /// `SPOOLCTL_TEST_BINARIES` names another one, to run these tests against another build (an older one, to
    /// see a new test fail).
    package static let directory: URL = {
        if let other = ProcessInfo.processInfo.environment["SPOOLCTL_TEST_BINARIES"] {
            return URL(fileURLWithPath: other)
        }
        #if os(Linux)
        if let executable = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            let candidate = URL(fileURLWithPath: executable).deletingLastPathComponent()
            if FileManager.default.fileExists(atPath: candidate.appendingPathComponent("spoolctl").path) {
                return candidate
            }
        }
        #endif
        for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
            let candidate = bundle.bundleURL.deletingLastPathComponent()
            if FileManager.default.fileExists(atPath: candidate.appendingPathComponent("spoolctl").path) {
                return candidate
            }
        }
        return packageRoot.appendingPathComponent(".build/debug")
    }()

    /// The package's root directory (for `Config/`).
    package static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent()
        .deletingLastPathComponent()

    /// Runs `name` with `arguments`, an environment holding only `PATH` and `environment`, and `stdin` as
    /// standard input (empty by default). Output goes to files, so a chatty child can never block on a full pipe.
    /// `name` is an executable this package builds, or an absolute path (a system tool, see ``SystemTool``).
    ///
    /// - Parameter user: Runs it as this user id (and group id), through `setpriv`, as an operator who is not
    ///   root would: only for a test that runs as root.
    package static func run(
        _ name: String,
        _ arguments: [String],
        environment: [String: String] = [:],
        stdin: [UInt8] = [],
        in directory: URL? = nil,
        user: UInt32? = nil
    ) async throws -> ProcessResult {
        let temporary = try TemporaryDirectory(prefix: "run")
        defer { temporary.remove() }
        let scratch = temporary.url
        let paths = ["stdin", "stdout", "stderr"].map { scratch.appendingPathComponent($0) }
        _ = FileManager.default.createFile(atPath: paths[0].path, contents: Data(stdin))
        _ = FileManager.default.createFile(atPath: paths[1].path, contents: nil)
        _ = FileManager.default.createFile(atPath: paths[2].path, contents: nil)
        let input = try FileHandle(forReadingFrom: paths[0])
        let output = try FileHandle(forWritingTo: paths[1])
        let errors = try FileHandle(forWritingTo: paths[2])
        defer {
            try? input.close()
            try? output.close()
            try? errors.close()
        }

        let process = Process()
        // A built product by name, or another program by its absolute path (python3, strace).
        let executable = name.hasPrefix("/") ? URL(fileURLWithPath: name) : self.directory.appendingPathComponent(name)
        if let user {
            process.executableURL = URL(fileURLWithPath: setpriv)
            process.arguments = ["--reuid=\(user)", "--regid=\(user)", "--clear-groups", executable.path] + arguments
        } else {
            process.executableURL = executable
            process.arguments = arguments
        }
        process.environment = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]
            .merging(environment) { $1 }
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        if let directory { process.currentDirectoryURL = directory }
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { process in continuation.resume(returning: process.terminationStatus) }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
            }
        }
        let stdoutBytes = try [UInt8](Data(contentsOf: paths[1]))
        return ProcessResult(
            status: status,
            stdout: String(decoding: stdoutBytes, as: UTF8.self),
            stderr: String(decoding: try Data(contentsOf: paths[2]), as: UTF8.self),
            stdoutBytes: stdoutBytes
        )
    }

    /// `setpriv` (util-linux), which runs a command as another user.
    package static let setpriv = "/usr/bin/setpriv"

    /// Whether tests can run a command as another user: they run as root, and `setpriv` is there.
    package static var canRunAsOtherUsers: Bool {
        geteuid() == 0 && FileManager.default.isExecutableFile(atPath: setpriv)
    }

    /// Runs the built `spoolctl`.
    package static func spoolctl(
        _ arguments: String...,
        environment: [String: String] = [:],
        stdin: [UInt8] = []
    ) async throws -> ProcessResult {
        try await run("spoolctl", arguments, environment: environment, stdin: stdin)
    }
}
