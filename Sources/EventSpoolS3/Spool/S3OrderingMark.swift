import EventSpoolStorage
import Synchronization

/// One ordering key's mark in the bucket (`ordering/<sha256 of the key>`): that events of the key may be waiting
/// in `pending/`, and the key of the newest object a put made for it.
///
/// A put marks its ordering keys `writing` before it creates its object and `written` after, each write
/// conditional on the version it read; a sweeper's release removes only a `written` mark it saw before its
/// pass and that no put changed since (see ``S3Spool``'s ordering-key methods). Every write has new bytes
/// (a writer id and a counter), so its ETag — the MD5 of the bytes — always changes.
struct S3OrderingMark: Sendable, Hashable {
    enum State: String, Sendable {
        /// A put is creating the object: it may not be listed yet.
        case writing
        /// The object was stored before this mark was written.
        case written
    }

    var state: State
    /// The newest object a put made for the key: later puts' keys sort after it, whatever their clocks say.
    var objectKey: SpoolKey?

    static let firstLine = "eventspool ordering mark 1"
    private static let writes = Atomic<UInt64>(0)

    /// The mark's bytes, with this process's id and a fresh counter.
    var bytes: [UInt8] {
        let writer = "\(SpoolKeySource.processNonceText)-\(Self.writes.wrappingAdd(1, ordering: .relaxed).newValue)"
        let lines = [
            Self.firstLine, "state: \(state.rawValue)", "object: \(objectKey?.rawValue ?? "-")", "writer: \(writer)",
        ]
        return Array((lines.joined(separator: "\n") + "\n").utf8)
    }

    /// Reads a mark; `nil` for bytes that are not one (a foreign or damaged object, which a release keeps).
    init?(bytes: [UInt8]) {
        guard bytes.count <= 1024, let text = String(validating: bytes, as: UTF8.self) else { return nil }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.count == 5, lines[0] == Self.firstLine, lines[4].isEmpty,
            lines[1].hasPrefix("state: "), lines[2].hasPrefix("object: "), lines[3].hasPrefix("writer: "),
            let state = State(rawValue: String(lines[1].dropFirst("state: ".count)))
        else { return nil }
        let object = String(lines[2].dropFirst("object: ".count))
        if object == "-" {
            objectKey = nil
        } else {
            guard let key = SpoolKey(object), key.quarantineNumber == nil else { return nil }
            objectKey = key
        }
        self.state = state
    }

    init(state: State, objectKey: SpoolKey?) {
        self.state = state
        self.objectKey = objectKey
    }
}
