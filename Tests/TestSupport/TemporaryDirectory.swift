import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A fresh directory of its own for one test (`mkdtemp`), removed by ``remove()`` or at the end of ``with(_:_:)``.
package struct TemporaryDirectory: Sendable {
    /// The directory's absolute path, without a trailing slash.
    package let path: String

    /// Creates `eventspool-<prefix>-XXXXXX` under the system's temporary directory.
    ///
    /// - Parameter inMemory: Use `/dev/shm` (a tmpfs) when there is one: for tests of reading and parsing,
    ///   where thousands of folder flushes on a real disk would only cost time.
    package init(prefix: String = "test", inMemory: Bool = false) throws {
        var isDirectory: ObjCBool = false
        let memory =
            inMemory && FileManager.default.fileExists(atPath: "/dev/shm", isDirectory: &isDirectory)
            && isDirectory.boolValue && access("/dev/shm", W_OK) == 0
        var parent = memory ? "/dev/shm" : NSTemporaryDirectory()
        while parent.count > 1 && parent.hasSuffix("/") { parent.removeLast() }
        var template = Array("\(parent)/eventspool-\(prefix)-XXXXXX".utf8CString)
        guard mkdtemp(&template) != nil else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: parent])
        }
        path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        // Other users may enter it (`mkdtemp` makes it 0700): some tests run `spoolctl` as another user on a
        // spool inside it.
        chmod(path, 0o755)
    }

    /// Runs `body` with a new directory and removes it afterwards.
    package static func with<T>(
        prefix: String = "test",
        inMemory: Bool = false,
        _ body: (TemporaryDirectory) async throws -> T
    ) async throws -> T {
        let directory = try TemporaryDirectory(prefix: prefix, inMemory: inMemory)
        defer { directory.remove() }
        return try await body(directory)
    }

    /// The directory as a file URL.
    package var url: URL { URL(fileURLWithPath: path, isDirectory: true) }

    /// The path of `name` in this directory.
    package func callAsFunction(_ name: String) -> String {
        path + "/" + name
    }

    /// Removes the directory and everything in it.
    package func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// Runs `body` with the URL of a fresh directory under the system's temporary directory, removed afterwards.
package func withTemporaryDirectory<T>(_ body: (URL) async throws -> T) async throws -> T {
    try await TemporaryDirectory.with { try await body($0.url) }
}
