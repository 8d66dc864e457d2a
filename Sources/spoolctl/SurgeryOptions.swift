import ArgumentParser
import EventSpool
import Foundation
import Logging

/// What `hold`, `release` and `requeue` take — event ids or object keys (or unique prefixes), or `--all`,
/// or filters — and the run they share: open the spool as its owner, hold the sweeper lock, change each
/// selected object, print a line per event.
struct SurgeryOptions: ParsableArguments {
    @Argument(help: ArgumentHelp("Event ids or object keys, or unique prefixes of them.", valueName: "id-or-key"))
    var identifiers: [String] = []

    @Flag(help: "Every event (that passes the filters).")
    var all = false

    @OptionGroup var filter: EventFilterOptions

    func validate() throws {
        guard identifiers.isEmpty || !all else {
            throw ValidationError("Give event ids or object keys, or --all, not both.")
        }
        guard !identifiers.isEmpty || all || !filter.isEmpty else {
            throw ValidationError(
                "Give event ids or object keys, or --all, or a filter (--type, --older-than, --since, --until)."
            )
        }
    }

    /// One change of the events of one object: the events changed and the key each now has.
    typealias Change = (SpoolSurgery, SpoolObject, (SpooledEvent) -> Bool) async throws(SpoolError) -> [(
        SpooledEvent, SpoolKey
    )]

    /// Applies `change` to the selected events of `source`, printing `action` for each.
    ///
    /// - Parameters:
    ///   - destination: Where the events go, for the JSON lines.
    ///   - note: What to add about a named event found in another state (it is in `held/`, say).
    func run(
        _ global: GlobalOptions,
        from source: SpoolState,
        to destination: SpoolState,
        action: ChangeLine.Action,
        elsewhere note: String,
        _ change: Change
    ) async throws {
        let logger = global.makeLogger()
        let configuration = try await LoadedConfiguration.load(global, logger: logger).spool()
        try await SpoolAccess.withSpool(configuration, for: .writing, logger: logger) { spool in
            try await SpoolAccess.withSweeperLock(spool, logger: logger) { _ in
                var changes = EventChanges(spool: spool, identifiers: identifiers, filter: filter, json: global.json)
                let surgery = SpoolSurgery(spool: spool)
                try await changes.forEachTarget(in: [source], elsewhere: { "it is in \($0)/; \(note)" }) {
                    target throws(CommandFailure) in
                    switch target {
                    case .object(let object, let selects):
                        let changed: [(SpooledEvent, SpoolKey)]
                        do throws(SpoolError) {
                            changed = try await change(surgery, object, selects)
                        } catch {
                            throw SpoolAccess.failure(error, doing: "cannot change \(object.state)/\(object.key)")
                        }
                        for (spooled, key) in changed {
                            changes.report(
                                ChangeLine(
                                    action,
                                    spooled,
                                    key: key,
                                    from: source,
                                    to: destination,
                                    previousKey: key == object.key ? nil : object.key
                                )
                            )
                        }
                    case .unreadable(let entry, let error):
                        // Named, it is an error; met on a walk, it is skipped and the others go on.
                        guard identifiers.isEmpty else {
                            throw CommandFailure(
                                .ioError,
                                "cannot \(action.verb) \(entry.state)/\(entry.key): it cannot be read: \(error); "
                                    + "spoolctl verify --quarantine moves it to quarantine/"
                            )
                        }
                        logger.warning(
                            "skipping an unreadable object (spoolctl verify --quarantine moves it to quarantine/)",
                            metadata: [
                                "spool.key": "\(entry.key)", "spool.state": "\(entry.state)", "error": "\(error)",
                            ]
                        )
                    }
                }
                changes.summarize(action.text)
            }
        }
    }
}
