import EventSpool
import Foundation

/// How `purge`, `hold`, `release` and `requeue` pick what they change — the ids or keys on the command line
/// (or unique prefixes of them), or else every event of the states worked on that passes the filters — and
/// how they report each change.
struct EventChanges {
    let spool: any Spool
    let identifiers: [String]
    let filter: EventFilterOptions
    let json: Bool
    let now = Date()
    /// How many events were changed, for the summary.
    private(set) var count = 0

    init(spool: any Spool, identifiers: [String], filter: EventFilterOptions, json: Bool) {
        self.spool = spool
        self.identifiers = identifiers
        self.filter = filter
        self.json = json
    }

    /// An object to change and the test for its events to change; or, unreadable, its entry and why.
    enum Target {
        case object(SpoolObject, selects: (SpooledEvent) -> Bool)
        case unreadable(SpoolEntry, SpoolError)
    }

    /// Calls `body` with every object concerned, in `states`.
    ///
    /// - Parameter elsewhere: What to say about a named event found in another state.
    func forEachTarget(
        in states: [SpoolState],
        elsewhere: (SpoolState) -> String,
        _ body: (Target) async throws(CommandFailure) -> Void
    ) async throws(CommandFailure) {
        guard identifiers.isEmpty else {
            let matches = try await EventLocator(spool: spool).resolve(identifiers, in: states, elsewhere: elsewhere)
            for selection in ObjectSelection.grouping(matches) {
                let object: SpoolObject
                do throws(SpoolError) {
                    object = try await spool.get(selection.key, in: selection.state)
                } catch let error where error.code == .notFound {
                    continue  // gone meanwhile
                } catch {
                    guard selection.eventIDs == nil else {
                        throw SpoolAccess.failure(error, doing: "cannot read \(selection.state)/\(selection.key)")
                    }
                    let path = SpoolAccess.objectLocation(of: selection.key, in: selection.state, spool: spool)
                    try await body(
                        .unreadable(SpoolEntry(key: selection.key, state: selection.state, path: path), error)
                    )
                    continue
                }
                try await body(.object(object) { selection.contains($0) && filter.matches($0, now: now) })
            }
            return
        }
        for state in states {
            try await SpoolAccess.forEachObject(in: state, of: spool) { entry, object throws(CommandFailure) in
                switch object {
                case .success(let object):
                    try await body(.object(object) { filter.matches($0, now: now) })
                case .failure(let error):
                    if filter.matchesUnreadable(entry.key, now: now) {
                        try await body(.unreadable(entry, error))
                    }
                }
                return true
            }
        }
    }

    /// Prints one changed event: `<action> <id> <key>` (`requeued <id> <new key> (was <key>)`), or with
    /// `--json` a ``ChangeLine``.
    mutating func report(_ line: ChangeLine) {
        count += 1
        if json {
            Output.line(line.jsonLine())
        } else if let id = line.id {
            Output.line("\(line.action.text) \(id) \(line.key)" + (line.previousKey.map { " (was \($0))" } ?? ""))
        } else {
            Output.line("\(line.action.text) object \(line.key)")
        }
    }

    /// Says how many events changed, on standard error (the lines above are the data).
    func summarize(_ verb: String, where place: String? = nil) {
        Output.error("\(verb) \(count) event\(count == 1 ? "" : "s")" + (place.map { " \($0)" } ?? ""))
    }
}

/// One event (or unreadable object) a command changed, as `--json` writes it (JSON Lines): `action`
/// (`removed`, `wouldRemove`, `held`, `released`, `requeued`), `id` and `type` (null for an unreadable
/// object), `key` (where the event is now; for `removed`, where it was), `from` and `to` (states; `to` null
/// when removed), `previousKey` (requeued: its dead object's key; otherwise null).
struct ChangeLine: JSONFields {
    /// What was done to the event.
    enum Action: String, Encodable {
        case removed
        case wouldRemove
        case held
        case released
        case requeued

        /// The action in a text line.
        var text: String { self == .wouldRemove ? "would remove" : rawValue }

        /// The command's verb, for messages: `hold`.
        var verb: String {
            switch self {
            case .removed, .wouldRemove: "remove"
            case .held: "hold"
            case .released: "release"
            case .requeued: "requeue"
            }
        }
    }

    var action: Action
    var id: String?
    var type: String?
    var key: String
    var from: String
    var to: String?
    var previousKey: String?

    init(
        _ action: Action,
        _ spooled: SpooledEvent?,
        key: SpoolKey,
        from: SpoolState,
        to: SpoolState?,
        previousKey: SpoolKey? = nil
    ) {
        self.action = action
        self.id = spooled?.event.id
        self.type = spooled?.event.type
        self.key = key.rawValue
        self.from = from.rawValue
        self.to = to?.rawValue
        self.previousKey = previousKey?.rawValue
    }

    var jsonFields: [(String, (any Encodable)?)] {
        [
            ("action", action), ("id", id), ("type", type), ("key", key), ("from", from), ("to", to),
            ("previousKey", previousKey),
        ]
    }
}
