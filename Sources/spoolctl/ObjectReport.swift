import EventSpool
import Foundation

/// What `show` prints for an object that does not read as a whole — a quarantined one, say: where it is,
/// what its header says, what is wrong with it, and every event that still decodes (as `postcat` dumps a
/// damaged queue file). With `--json`, one object with the fields `key`, `state`, `path`, `size`, `header`
/// (`version`, `eventCount`, `nextAttemptAt`, `hasOrderingKeys`; `null` when unreadable), `problems` and
/// `events` (each as `show` prints an event).
struct ObjectReport: JSONFields {
    struct Header: Encodable {
        var version: Int
        var eventCount: Int
        var nextAttemptAt: String
        var hasOrderingKeys: Bool
    }

    var key: String
    var state: String
    var path: String
    var size: Int?
    var header: Header?
    var problems: [String]
    var events: [EventDetail]

    init(_ dump: SpoolObjectDump, path: String) {
        key = dump.key.rawValue
        state = dump.state.rawValue
        self.path = path
        size = dump.bytes.count
        header = dump.header.map {
            Header(
                version: $0.version,
                eventCount: $0.eventCount,
                nextAttemptAt: TimeText.iso8601($0.nextAttemptAt),
                hasOrderingKeys: $0.orderingKeys != []
            )
        }
        problems = dump.problems
        events = dump.events.map { EventDetail($0, key: dump.key, state: dump.state) }
    }

    /// An object that cannot be read at all (a symbolic link, a folder, an I/O error).
    init(unreadable key: SpoolKey, state: SpoolState, path: String, error: SpoolError) {
        self.key = key.rawValue
        self.state = state.rawValue
        self.path = path
        problems = [error.description]
        events = []
    }

    func text() -> String {
        let headerText =
            header.map {
                "version \($0.version), \($0.eventCount) event\($0.eventCount == 1 ? "" : "s"), next attempt "
                    + "\($0.nextAttemptAt), ordering keys: \($0.hasOrderingKeys ? "yes" : "no")"
            } ?? "unreadable"
        var lines = [
            ("object", key), ("state", state), ("path", path), ("size", size.map { "\($0) bytes" } ?? "unknown"),
            ("header", headerText),
            ("decoded", "\(events.count) of \(header.map { "\($0.eventCount)" } ?? "?") events"),
        ].map { EventTable.pad($0.0 + ":", 15) + " " + $0.1 }
        for problem in problems {
            lines.append(EventTable.pad("problem:", 15) + " " + EventDetail.shown(problem))
        }
        for (index, event) in events.enumerated() {
            lines.append("")
            lines.append("event \(index + 1):")
            lines.append(contentsOf: event.text().split(separator: "\n").map { "  " + $0 })
        }
        return lines.joined(separator: "\n")
    }

    var jsonFields: [(String, (any Encodable)?)] {
        [
            ("key", key), ("state", state), ("path", path), ("size", size), ("header", header),
            ("problems", problems), ("events", events),
        ]
    }
}
