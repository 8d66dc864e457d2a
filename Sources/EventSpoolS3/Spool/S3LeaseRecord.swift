import EventSpoolStorage

import struct Foundation.Date

/// What the sweeper's lease object (`sweeper.lease`) holds: who holds the lease, its epoch, how often it was
/// renewed, and when it expires in the store's time.
///
/// The epoch grows by one at every acquisition and is never reset (a release keeps the object, with no expiry),
/// so the object's history is a fencing token: a holder's renewal names the version it wrote last
/// (`If-Match`), and fails once another sweeper took the lease. Every write has new bytes (the renewal counter),
/// so the ETag — the MD5 of the bytes — changes with each.
struct S3LeaseRecord: Sendable, Hashable {
    /// The holder: host id, process id and random number, and a nonce of this acquisition.
    var owner: String
    var epoch: UInt64
    var renewals: UInt64
    /// When the lease expires in the store's clock, in milliseconds since 1970; 0 once released.
    var expiresAtMilliseconds: Int64

    static let firstLine = "eventspool sweeper lease 1"
    /// The most bytes of a lease object read: anything larger is not one.
    static let maxBytes = 4096

    var isReleased: Bool { expiresAtMilliseconds == 0 }

    /// Whether the lease is expired or released at `serverNow`, the store's clock.
    func isFree(at serverNow: Date) -> Bool {
        isReleased || Self.milliseconds(serverNow) >= expiresAtMilliseconds
    }

    var bytes: [UInt8] {
        let lines = [
            Self.firstLine, "owner: \(owner)", "epoch: \(epoch)", "renewals: \(renewals)",
            "expires: \(expiresAtMilliseconds)",
        ]
        return Array((lines.joined(separator: "\n") + "\n").utf8)
    }

    init(owner: String, epoch: UInt64, renewals: UInt64, expiresAt: Date?) {
        self.owner = owner
        self.epoch = epoch
        self.renewals = renewals
        expiresAtMilliseconds = expiresAt.map { max(1, Self.milliseconds($0)) } ?? 0
    }

    /// Reads a lease object; `nil` for bytes that are not one.
    init?(bytes: [UInt8]) {
        guard bytes.count <= Self.maxBytes, let text = String(validating: bytes, as: UTF8.self) else { return nil }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        func value(_ line: Int, _ name: String) -> String? {
            let prefix = name + ": "
            guard lines[line].hasPrefix(prefix) else { return nil }
            return String(lines[line].dropFirst(prefix.count))
        }
        guard lines.count == 6, lines[0] == Self.firstLine, lines[5].isEmpty,
            let owner = value(1, "owner"), !owner.isEmpty, owner.utf8.count <= 512,
            let epoch = value(2, "epoch").flatMap({ UInt64($0) }),
            let renewals = value(3, "renewals").flatMap({ UInt64($0) }),
            let expires = value(4, "expires").flatMap({ Int64($0) }), expires >= 0
        else { return nil }
        self.owner = owner
        self.epoch = epoch
        self.renewals = renewals
        expiresAtMilliseconds = expires
    }

    /// Milliseconds since 1970, saturating for absurd dates.
    static func milliseconds(_ date: Date) -> Int64 {
        let value = (date.timeIntervalSince1970 * 1000).rounded(.down)
        guard value.isFinite else { return 0 }
        return value >= 9.2e18 ? Int64.max : (value <= -9.2e18 ? Int64.min : Int64(value))
    }
}
