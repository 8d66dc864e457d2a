import SystemPackage

#if canImport(Darwin)
import Darwin
#elseif canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Who besides a file's owner may read or change it, from its mode and group: what a secret file or a
/// configuration file is warned about.
///
/// A group this process belongs to does not count as others: a group-readable file of the process's own
/// group is how Kubernetes (`fsGroup`) and systemd (`Group=`) let a service that is not the owner read a
/// secret.
package struct FileExposure: Sendable {
    /// The permission bits, for messages: `0644`.
    package let modeText: String
    private let permissions: FilePermissions
    private let groupIsOwn: Bool

    /// The exposure of the file `status` describes.
    package init(_ status: Stat) {
        let bits = status.permissions.rawValue & 0o7777
        let digits = String(bits, radix: 8)
        modeText = String(repeating: "0", count: max(0, 4 - digits.count)) + digits
        permissions = status.permissions
        groupIsOwn = Self.processGroups.contains(status.groupID.rawValue)
    }

    /// The exposure of the file at `path` (links followed), or `nil` when it cannot be inspected.
    package init?(path: String) {
        guard let status = try? Stat(FilePath(path)) else { return nil }
        self.init(status)
    }

    /// Who may read the file besides its owner, `others` or `its group`; `nil` when nobody.
    package var readers: String? {
        if permissions.contains(.otherRead) { return "others" }
        if permissions.contains(.groupRead) && !groupIsOwn { return "its group" }
        return nil
    }

    /// Whether anyone outside the file's owner and group may read it (the other-read bit).
    package var othersMayRead: Bool { permissions.contains(.otherRead) }

    /// Who may change the file besides its owner, `others` or `its group`; `nil` when nobody.
    package var writers: String? {
        if permissions.contains(.otherWrite) { return "others" }
        if permissions.contains(.groupWrite) && !groupIsOwn { return "its group" }
        return nil
    }

    /// The effective group and the supplementary groups of this process.
    private static let processGroups: Set<gid_t> = {
        var groups = [gid_t](repeating: 0, count: Int(max(0, getgroups(0, nil))))
        let count = groups.withUnsafeMutableBufferPointer { getgroups(Int32($0.count), $0.baseAddress) }
        return Set(groups.prefix(max(0, Int(count)))).union([getegid()])
    }()
}
