import EventSpool

/// Finds what the identifiers on a command line name: an event by its id, an object by its key, or either
/// by a unique prefix of at least ``minimumPrefix`` characters, as git takes a short commit hash. An exact
/// id wins over a longer id it is a prefix of.
struct EventLocator {
    /// One event (or, with `eventID` nil, one whole object) that an identifier names.
    struct Match: Hashable {
        var state: SpoolState
        var key: SpoolKey
        /// The event's full id; `nil` when the identifier named the object.
        var eventID: String?
    }

    /// The shortest prefix matched: shorter ones are taken only as whole ids.
    static let minimumPrefix = 4

    let spool: any Spool

    /// Resolves every identifier in `states`, searching also the other states to say where an event is
    /// when it is not where the command works.
    ///
    /// - Parameter elsewhere: What to tell the operator about an event found in a state the command does not
    ///   work on (for example "release it first").
    /// - Throws: ``CommandFailure``: `notFound` (66) for an identifier that names nothing, `usage` (64) for
    ///   an ambiguous prefix (listing the candidates), `ioError` (74) when a listing fails.
    func resolve(
        _ identifiers: [String],
        in states: [SpoolState],
        elsewhere: (SpoolState) -> String = { "it is in \($0)/" }
    ) async throws(CommandFailure) -> [Match] {
        var found: [String: [(match: Match, exact: Bool)]] = [:]
        try await search(for: identifiers, into: &found)
        var matches: [Match] = []
        for identifier in identifiers {
            let all = Self.choose(found[identifier] ?? [], for: identifier)
            let candidates = Set(all.map { $0.eventID ?? $0.key.rawValue })
            guard candidates.count <= 1 else {
                let shown = candidates.sorted().prefix(10).map { candidate in
                    let states = Set(
                        all.filter { ($0.eventID ?? $0.key.rawValue) == candidate }.map { $0.state.rawValue }
                    )
                    return "  \(candidate) (\(states.sorted().joined(separator: ", ")))"
                }
                let more = candidates.count > 10 ? "\n  … and \(candidates.count - 10) more" : ""
                throw CommandFailure(
                    .usage,
                    "the prefix '\(identifier)' is ambiguous: it names \(candidates.count) events or objects:\n"
                        + shown.joined(separator: "\n") + more + "\ngive more of it"
                )
            }
            let eligible = all.filter { states.contains($0.state) }
            guard !eligible.isEmpty else {
                let places = states.map { "\($0)/" }.joined(separator: " or ")
                var message =
                    "no event or object '\(identifier)' in \(places) of the spool \(spool.location)"
                if let other = all.first {
                    message += "; \(elsewhere(other.state))"
                } else if identifier.count < Self.minimumPrefix {
                    message += " (a shortened id or key needs at least \(Self.minimumPrefix) characters)"
                }
                throw CommandFailure(.notFound, message)
            }
            matches.append(contentsOf: eligible)
        }
        return Array(Set(matches)).sorted { ($0.key, $0.eventID ?? "") < ($1.key, $1.eventID ?? "") }
    }

    /// The matches an identifier takes: its exact matches when it has any, otherwise every prefix match.
    private static func choose(_ matches: [(match: Match, exact: Bool)], for identifier: String) -> [Match] {
        let exact = matches.filter(\.exact)
        return (exact.isEmpty ? matches : exact).map(\.match)
    }

    /// Notes for each identifier the events and objects it names: a whole key is looked up directly, anything
    /// else by one walk over every state (an event's id is in no name).
    private func search(
        for identifiers: [String],
        into found: inout [String: [(match: Match, exact: Bool)]]
    ) async throws(CommandFailure) {
        var rest: [String] = []
        for identifier in identifiers {
            guard let key = SpoolKey(identifier) else {
                rest.append(identifier)
                continue
            }
            for state in SpoolState.allCases {
                do throws(SpoolError) {
                    _ = try await spool.header(key, in: state)
                } catch let error where error.code == .notFound {
                    continue
                } catch {
                    // There, but unreadable: still the object named.
                }
                found[identifier, default: []].append((Match(state: state, key: key), true))
            }
        }
        guard !rest.isEmpty else { return }
        try await walk(for: rest, into: &found)
    }

    /// Walks every state once, noting for each identifier the events and objects it names.
    private func walk(
        for identifiers: [String],
        into found: inout [String: [(match: Match, exact: Bool)]]
    ) async throws(CommandFailure) {
        let prefixes = identifiers.filter { $0.count >= Self.minimumPrefix }
        for state in SpoolState.allCases {
            try await SpoolAccess.forEachObject(in: state, of: spool) { entry, object throws(CommandFailure) in
                for identifier in identifiers {
                    let key = entry.key.rawValue
                    if key == identifier || (prefixes.contains(identifier) && key.hasPrefix(identifier)) {
                        found[identifier, default: []].append((Match(state: state, key: entry.key), key == identifier))
                    }
                }
                guard case .success(let object) = object else { return true }
                for spooled in object.events {
                    let id = spooled.event.id
                    for identifier in identifiers
                    where id == identifier || (prefixes.contains(identifier) && id.hasPrefix(identifier)) {
                        found[identifier, default: []].append(
                            (Match(state: state, key: entry.key, eventID: id), id == identifier)
                        )
                    }
                }
                return true
            }
        }
    }
}

/// The objects a command works on, and in each the events it names.
struct ObjectSelection {
    var state: SpoolState
    var key: SpoolKey
    /// The ids of the events named; `nil` for every event of the object.
    var eventIDs: Set<String>?

    /// Whether `spooled` is one of the events named.
    func contains(_ spooled: SpooledEvent) -> Bool {
        eventIDs?.contains(spooled.event.id) ?? true
    }

    /// `matches` grouped by object, in key order.
    static func grouping(_ matches: [EventLocator.Match]) -> [ObjectSelection] {
        var selections: [ObjectSelection] = []
        var index: [EventLocator.Match: Int] = [:]
        for match in matches {
            let object = EventLocator.Match(state: match.state, key: match.key)
            guard let position = index[object] else {
                index[object] = selections.count
                selections.append(
                    ObjectSelection(state: match.state, key: match.key, eventIDs: match.eventID.map { [$0] })
                )
                continue
            }
            if let id = match.eventID {
                selections[position].eventIDs?.insert(id)
            } else {
                selections[position].eventIDs = nil
            }
        }
        return selections
    }
}
