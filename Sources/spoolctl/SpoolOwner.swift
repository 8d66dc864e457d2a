import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The user who owns a spool directory. Commands that write must run as that user: what another user (root
/// above all) creates in the spool, its owner cannot change, and every later sweep would fail on it.
struct SpoolOwner {
    let userID: UInt32
    /// The user's name, when the user database has one.
    let name: String?

    /// The owner of the directory at `path` (a symbolic link to it followed), or `nil` when it does not exist.
    init?(ofDirectoryAt path: String) {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        userID = status.st_uid
        name = getpwuid(status.st_uid).flatMap { $0.pointee.pw_name.map { String(cString: $0) } }
    }

    /// The owner for people: `eventspool`, or `uid 999` without a name.
    var displayName: String { name.map { "\($0) (uid \(userID))" } ?? "uid \(userID)" }

    /// This very command line, run as the owner: `sudo -u eventspool spoolctl purge …` (`-u '#999'` without
    /// a name).
    var sudoCommand: String {
        let user = name ?? "#\(userID)"
        return (["sudo", "-u", user] + CommandLine.arguments).map(Self.shellQuoted).joined(separator: " ")
    }

    /// Whether the running process is root.
    static var isRoot: Bool { geteuid() == 0 }

    /// The running process's user id.
    static var currentUserID: UInt32 { geteuid() }

    /// `text` as one shell word: as it is when it is plain, otherwise in single quotes.
    private static func shellQuoted(_ text: String) -> String {
        let plain =
            !text.isEmpty
            && text.unicodeScalars.allSatisfy {
                CharacterSet.alphanumerics.contains($0) || "-_./=:,@%+".unicodeScalars.contains($0)
            }
        return plain ? text : "'" + text.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
    }
}
