import ArgumentParser
import EventSpool
import Foundation

extension Spoolctl {
    struct Purge: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove events from one part of the spool, for good.",
            discussion: """
                Refuses to run without --yes or --dry-run. Prints one line per event removed ('removed <id> \
                <key>'; 'would remove' with --dry-run). When only some events of an object go, the object is \
                rewritten with the others.
                """
        )

        @OptionGroup var global: GlobalOptions

        @Flag(help: "The part of the spool to purge.")
        var state: PurgeState

        @Option(
            help: ArgumentHelp("Only events spooled longer ago than this (e.g. 50s, 2h, 3d).", valueName: "duration")
        )
        var olderThan: DurationArgument?

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
        }

        func run() async throws {
            try await reportingFailures {
                let logger = global.makeLogger()
                let configuration = try await LoadedConfiguration.load(global, logger: logger).spool()
                let now = Date()
                var removed = 0
                try await SpoolAccess.withSpool(configuration, logger: logger) { spool in
                    try await SpoolAccess.withSweeperLock(spool) {
                        let state = state.spoolState
                        try await SpoolAccess.forEachObject(in: state, of: spool) {
                            entry,
                            object throws(CommandFailure) in
                            removed += try await purge(entry, object, state: state, spool: spool, now: now)
                            return true
                        }
                    }
                }
                let verb = dryRun ? "would remove" : "removed"
                Output.error("\(verb) \(removed) event\(removed == 1 ? "" : "s") from \(state.spoolState)/")
            }
        }

        /// Removes the selected events of one object; returns how many.
        private func purge(
            _ entry: SpoolEntry,
            _ object: Result<SpoolObject, SpoolError>,
            state: SpoolState,
            spool: DirectorySpool,
            now: Date
        ) async throws(CommandFailure) -> Int {
            let verb = dryRun ? "would remove" : "removed"
            guard case .success(var object) = object else {
                // Unreadable (quarantined) objects go whole, by the age in their key.
                guard isOld(entry.key.time, now: now) else { return 0 }
                if !dryRun { try await delete(entry.key, in: state, spool: spool) }
                Output.line("\(verb) object \(entry.key)")
                return 1
            }
            let (old, kept) = (
                object.events.filter { isOld($0.delivery.spooledAt, now: now) },
                object.events.filter { !isOld($0.delivery.spooledAt, now: now) }
            )
            guard !old.isEmpty else { return 0 }
            if !dryRun {
                if kept.isEmpty {
                    try await delete(object.key, in: state, spool: spool)
                } else {
                    object.events = kept
                    do {
                        try await spool.replace(object)
                    } catch {
                        throw SpoolAccess.failure(error, doing: "cannot rewrite the object \(object.key)")
                    }
                }
            }
            for spooled in old {
                Output.line("\(verb) \(spooled.event.id) \(object.key)")
            }
            return old.count
        }

        private func isOld(_ date: Date, now: Date) -> Bool {
            guard let olderThan else { return true }
            return now.timeIntervalSince(date) >= olderThan.seconds
        }

        private func delete(_ key: SpoolKey, in state: SpoolState, spool: DirectorySpool) async throws(CommandFailure) {
            do {
                try await spool.delete(key, in: state)
            } catch  where error.code == .notFound {
                // Gone meanwhile (a sweeper delivered it): nothing left to purge.
            } catch {
                throw SpoolAccess.failure(error, doing: "cannot delete the object \(key)")
            }
        }
    }
}

/// The part of the spool `purge` works on: exactly one must be given.
enum PurgeState: String, EnumerableFlag {
    case dead
    case quarantine
    case pending

    var spoolState: SpoolState {
        switch self {
        case .dead: .dead
        case .quarantine: .quarantine
        case .pending: .pending
        }
    }

    static func help(for value: PurgeState) -> ArgumentHelp? {
        switch value {
        case .dead: "Purge given-up events."
        case .quarantine: "Purge unreadable objects."
        case .pending: "Purge events still waiting for delivery."
        }
    }
}
