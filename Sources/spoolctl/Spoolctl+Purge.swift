import ArgumentParser
import EventSpool
import Foundation

extension Spoolctl {
    struct Purge: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove events for good: by id, or from one part of the spool (postsuper -d).",
            discussion: """
                Give event ids or object keys (or unique prefixes of them), or a part of the spool \
                (--pending, --held, --dead, --quarantine), narrowed by --type, --older-than, --since and \
                --until. Refuses to run without --yes or --dry-run. Prints one line per event removed \
                ('removed <id> <key>'; 'would remove' with --dry-run; 'removed object <key>' for an unreadable \
                one). When only some events of an object go, the object is rewritten with the others. Waits \
                for no sweeper: exits 75 while one holds the lock. --dry-run only reads, as list does.
                """
        )

        @OptionGroup var global: GlobalOptions

        @Argument(help: ArgumentHelp("Event ids or object keys, or unique prefixes of them.", valueName: "id-or-key"))
        var identifiers: [String] = []

        @Flag(help: "The part of the spool to purge (with ids: where to look; default: everywhere).")
        var state: PurgeState?

        @OptionGroup var filter: EventFilterOptions

        @Flag(help: "Really remove.")
        var yes = false

        @Flag(help: "Only say what would be removed.")
        var dryRun = false

        func validate() throws {
            guard yes != dryRun else {
                throw ValidationError(
                    yes
                        ? "Give --yes or --dry-run, not both."
                        : "purge removes events for good: give --yes, or --dry-run to see what it would remove."
                )
            }
            guard !identifiers.isEmpty || state != nil else {
                throw ValidationError(
                    "Give event ids or object keys, or the part of the spool to purge: --pending, --held, --dead "
                        + "or --quarantine."
                )
            }
        }

        func run() async throws {
            let logger = global.makeLogger()
            let configuration = try await LoadedConfiguration.load(global, logger: logger).spool()
            let states = state.map { [$0.spoolState] } ?? SpoolState.allCases
            // A dry run only reads, as `list` does: root may preview it, and it need not wait for a sweeper.
            try await SpoolAccess.withSpool(configuration, for: dryRun ? .reading : .writing, logger: logger) {
                spool in
                if dryRun {
                    try await purge(states, of: spool)
                } else {
                    try await SpoolAccess.withSweeperLock(spool, logger: logger) { _ in
                        try await purge(states, of: spool)
                    }
                }
            }
        }

        /// Purges (or, in a dry run, lists) the selected events of `states`.
        private func purge(_ states: [SpoolState], of spool: any Spool) async throws {
            var changes = EventChanges(spool: spool, identifiers: identifiers, filter: filter, json: global.json)
            var left = 0
            let elsewhere: (SpoolState) -> String = { "it is in \($0)/" }
            try await changes.forEachTarget(in: states, elsewhere: elsewhere) { target throws(CommandFailure) in
                try await purge(target, spool: spool, changes: &changes, left: &left)
            }
            let place = states.count == 1 ? "from \(states[0])/" : "from the spool"
            changes.summarize(dryRun ? "would remove" : "removed", where: place)
            if left > 0 {
                // Each was named above; what is left needs a person.
                throw CommandFailure(.attention, "left \(left) entr\(left == 1 ? "y" : "ies") in quarantine/")
            }
        }

        private func purge(
            _ target: EventChanges.Target,
            spool: any Spool,
            changes: inout EventChanges,
            left: inout Int
        ) async throws(CommandFailure) {
            let action: ChangeLine.Action = dryRun ? .wouldRemove : .removed
            switch target {
            case .object(let object, let selects):
                var removed = object.events.filter(selects)
                if !dryRun {
                    do {
                        removed = try await SpoolSurgery(spool: spool).remove(from: object, where: selects)
                    } catch {
                        throw SpoolAccess.failure(error, doing: "cannot purge events of \(object.state)/\(object.key)")
                    }
                }
                for spooled in removed {
                    changes.report(ChangeLine(action, spooled, key: object.key, from: object.state, to: nil))
                }
            case .unreadable(let entry, _):
                // An unreadable object goes whole.
                if !dryRun {
                    do {
                        try await spool.delete(entry.key, in: entry.state)
                    } catch let error where error.code == .notFound {
                        return  // gone meanwhile
                    } catch let error where error.code == .unsafe && entry.state == .quarantine {
                        // A folder with files in it: named, left, and the purge goes on.
                        Output.error("left \(error.path): \(error.message)")
                        left += 1
                        return
                    } catch {
                        throw SpoolAccess.failure(error, doing: "cannot delete the object \(entry.key)")
                    }
                }
                changes.report(ChangeLine(action, nil, key: entry.key, from: entry.state, to: nil))
            }
        }
    }
}

/// The part of the spool `purge` works on.
enum PurgeState: String, EnumerableFlag {
    case pending
    case held
    case dead
    case quarantine

    var spoolState: SpoolState {
        switch self {
        case .pending: .pending
        case .held: .held
        case .dead: .dead
        case .quarantine: .quarantine
        }
    }

    static func help(for value: PurgeState) -> ArgumentHelp? {
        switch value {
        case .pending: "Purge events still waiting for delivery."
        case .held: "Purge held events."
        case .dead: "Purge given-up events."
        case .quarantine: "Purge unreadable objects."
        }
    }
}
