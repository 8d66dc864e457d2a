import Foundation
import TestSupport
import Testing

/// The system's programs that the packaging tests run: `systemd-analyze`, `systemd-sysusers`,
/// `systemd-tmpfiles` (Debian: systemd), `strace` and `setpriv` (util-linux). `make deps` installs them.
enum SystemTool {
    /// The path of `name` on `PATH` (or in the usual system directories), or `nil` when it is not installed.
    static func path(_ name: String) -> String? {
        let searchPath = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let directories =
            searchPath.split(separator: ":").map(String.init) + ["/usr/bin", "/usr/sbin", "/bin", "/sbin"]
        return directories.map { $0 + "/" + name }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Runs `name` with `arguments`, as ``BuiltExecutable/run(_:_:environment:stdin:in:)`` runs a built one.
    ///
    /// - Throws: An issue naming the tool and the package that has it when it is not installed: a missing tool
    ///   fails the test rather than skipping what it checks.
    static func run(
        _ name: String,
        _ arguments: [String],
        environment: [String: String] = [:]
    ) async throws -> ProcessResult {
        let executable = try #require(Self.path(name), "\(name) is not installed: `make deps` installs it")
        return try await BuiltExecutable.run(executable, arguments, environment: environment)
    }
}
