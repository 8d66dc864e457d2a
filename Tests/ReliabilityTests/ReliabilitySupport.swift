import Foundation
import Logging
import TestSupport

@testable import EventSpool
@testable import EventSpoolStorage

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a spool directory holds, read straight from its files (no `DirectorySpool` is opened, so nothing is
/// cleaned up behind the test's back).
enum SpoolFiles {
    /// The paths of every file named `*.evs` below `folder`, sorted.
    static func objects(under folder: String) -> [String] {
        guard let enumerator = FileManager.default.enumerator(atPath: folder) else { return [] }
        var paths: [String] = []
        for case let relative as String in enumerator where relative.hasSuffix(".evs") {
            paths.append(folder + "/" + relative)
        }
        return paths.sorted()
    }

    /// The ids of every event in the objects below `folder`; objects that do not decode are skipped.
    static func eventIDs(under folder: String) -> [String] {
        objects(under: folder).flatMap { path -> [String] in
            guard let data = FileManager.default.contents(atPath: path),
                let events = try? SpoolObjectFormat.decodeObject(Array(data))
            else { return [] }
            return events.map(\.event.id)
        }
    }

    /// The names in `folder`, sorted; empty when it does not exist.
    static func names(in folder: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted()
    }
}

/// The complete lines of a text file (a last line without its newline was cut by a kill, and is left out).
func completeLines(of path: String) -> [Substring] {
    guard let data = FileManager.default.contents(atPath: path) else { return [] }
    let text = String(decoding: data, as: UTF8.self)
    var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    lines.removeLast()  // after the last newline: empty, or an unfinished line
    return lines
}

/// The publisher journals an `eventspool-crashtest` process wrote: ids started, and acknowledgements.
struct PublishJournals {
    /// Every id whose publish started.
    var started: [String] = []
    /// Every id whose publish returned success, with `delivered` or `spooled`.
    var acknowledged: [String: String] = [:]
    /// Every id whose publish threw, with the error code.
    var failed: [String: String] = [:]

    init(startLog: String, ackLog: String) {
        started = completeLines(of: startLog).map(String.init)
        for line in completeLines(of: ackLog) {
            let parts = line.split(separator: " ", maxSplits: 1)
            guard parts.count == 2 else { continue }
            if parts[1].hasPrefix("failed") {
                failed[String(parts[0])] = String(parts[1])
            } else {
                acknowledged[String(parts[0])] = String(parts[1])
            }
        }
    }
}

/// Runs `body` with the URL of a port on 127.0.0.1 that refuses every connection: a socket is bound to it and
/// never listens. Unlike a broker that stopped listening, no other test's server can take the port meanwhile.
func withRefusingURL(_ body: (String) async throws -> Void) async throws {
    let socketType = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
    let file = socket(AF_INET, socketType, 0)
    guard file >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    defer { close(file) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            bind(file, $0, length) == 0 && getsockname(file, $0, &length) == 0
        }
    }
    guard bound else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    try await body("http://127.0.0.1:\(UInt16(bigEndian: address.sin_port))/events")
}
