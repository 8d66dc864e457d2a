import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What one run of a built executable printed, and how it ended.
struct ProcessResult: CustomStringConvertible {
    var status: Int32
    var stdout: String
    var stderr: String
    var stdoutBytes: [UInt8]

    var description: String { "exit \(status)\n--- stdout\n\(stdout)--- stderr\n\(stderr)" }
}

/// Runs the executables this package builds (`spoolctl`, `eventspool-demo`) as child processes, the way an
/// operator or cron runs them.
enum BuiltExecutable {
    /// The build products directory: where the test bundle is, which is where SwiftPM puts the executables.
    /// `SPOOLCTL_TEST_BINARIES` names another one, to run these tests against another build (an older one, to
    /// see a new test fail).
    static let directory: URL = {
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
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// Runs `name` with `arguments`, an environment holding only `PATH` and `environment`, and `stdin` as
    /// standard input (empty by default). Output goes to files, so a chatty child can never block on a full pipe.
    /// `name` is an executable this package builds, or an absolute path (a system tool, see ``SystemTool``).
    ///
    /// - Parameter user: Runs it as this user id (and group id), through `setpriv`, as an operator who is not
    ///   root would: only for a test that runs as root.
    static func run(
        _ name: String,
        _ arguments: [String],
        environment: [String: String] = [:],
        stdin: [UInt8] = [],
        in directory: URL? = nil,
        user: UInt32? = nil
    ) async throws -> ProcessResult {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("spoolctl-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
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
    static let setpriv = "/usr/bin/setpriv"

    /// Whether tests can run a command as another user: they run as root, and `setpriv` is there.
    static var canRunAsOtherUsers: Bool {
        geteuid() == 0 && FileManager.default.isExecutableFile(atPath: setpriv)
    }

    /// Runs the built `spoolctl`.
    static func spoolctl(
        _ arguments: String...,
        environment: [String: String] = [:],
        stdin: [UInt8] = []
    ) async throws -> ProcessResult {
        try await run("spoolctl", arguments, environment: environment, stdin: stdin)
    }
}

/// A fresh directory under the system's temporary directory, removed after `body`.
func withTemporaryDirectory<T>(_ body: (URL) async throws -> T) async throws -> T {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("spoolctl-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    return try await body(directory)
}

/// Every regular file below `directory` with its contents, to prove a command changed nothing.
func snapshot(of directory: URL) throws -> [String: Data] {
    var files: [String: Data] = [:]
    guard
        let enumerator = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: [.isRegularFileKey])
    else { return files }
    for case let url as URL in enumerator {
        guard (try url.resourceValues(forKeys: [.isRegularFileKey])).isRegularFile == true else { continue }
        files[url.path] = try Data(contentsOf: url)
    }
    return files
}

/// The paths of the spool objects (`*.evs`) below `directory`.
func objectFiles(in directory: URL) throws -> [URL] {
    try snapshot(of: directory).keys.filter { $0.hasSuffix(".evs") }.sorted().map { URL(fileURLWithPath: $0) }
}

/// Writes `text` to `name` in `directory` and returns its path.
func write(_ text: String, to name: String, in directory: URL) throws -> String {
    let url = directory.appendingPathComponent(name)
    try Data(text.utf8).write(to: url)
    return url.path
}

/// Every line of `text` parsed as a JSON object (JSON Lines): a line that is not one fails the test.
func jsonObjects(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> [[String: Any]] {
    try text.split(separator: "\n").map { line in
        let value = try JSONSerialization.jsonObject(with: Data(line.utf8))
        return try #require(value as? [String: Any], "not a JSON object: \(line)", sourceLocation: sourceLocation)
    }
}

/// The one JSON object `text` holds (one line).
func jsonObject(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: Any] {
    let objects = try jsonObjects(text, sourceLocation: sourceLocation)
    try #require(
        objects.count == 1,
        "expected one JSON object, got \(objects.count): \(text)",
        sourceLocation: sourceLocation
    )
    return objects[0]
}
