/// The ETag of each object a spool last read or wrote, by object name: what its next conditional write names.
///
/// A read records what it saw only if nothing was recorded for the name while it was under way: a write this
/// spool made meanwhile is newer than what a concurrent read returns. A conflict keeps the version, so every
/// later write of the object fails too until it is read again.
///
/// Bounded: a pass over millions of objects must not keep them all. When full it forgets everything; an object
/// whose version is forgotten is looked up again (HEAD) before a write.
struct S3VersionCache: Sendable {
    static let capacity = 100_000

    /// A version and when it was recorded.
    private struct Entry: Sendable {
        var etag: S3ETag
        var stamp: UInt64
    }

    private var entries: [String: Entry] = [:]
    private var stamps: UInt64 = 0

    /// The version recorded for `name`.
    subscript(name: String) -> S3ETag? {
        entries[name]?.etag
    }

    /// When the version of `name` was last recorded: a read passes it back to ``record(_:for:ifUnchangedSince:)``.
    func stamp(of name: String) -> UInt64? {
        entries[name]?.stamp
    }

    /// Records the version a write made, or (with `nil`) forgets the object.
    mutating func record(_ etag: S3ETag?, for name: String) {
        guard let etag else {
            entries[name] = nil
            return
        }
        if entries[name] == nil, entries.count >= Self.capacity { entries = [:] }
        stamps += 1
        entries[name] = Entry(etag: etag, stamp: stamps)
    }

    /// Records the version a read saw, unless another version was recorded since the read began (`stamp`).
    mutating func record(_ etag: S3ETag, for name: String, ifUnchangedSince stamp: UInt64?) {
        guard entries[name]?.stamp == stamp else { return }
        record(etag, for: name)
    }
}
