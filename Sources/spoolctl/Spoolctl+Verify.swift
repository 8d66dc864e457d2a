import ArgumentParser
import EventSpool
import Logging

extension Spoolctl {
    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Read every object, check framing and checksums, and list the bad ones.",
            discussion: """
                Prints one line per bad object ('bad <state>/<key>: <reason>') and a summary. With \
                --quarantine, moves each bad object from pending/ or dead/ to quarantine/. Exits 1 when a \
                bad object was found outside quarantine/.
                """
        )

        @OptionGroup var global: GlobalOptions

        @Flag(help: "Move bad objects to quarantine/.")
        var quarantine = false

        func run() async throws {
            try await reportingFailures {
                let logger = global.makeLogger()
                let configuration = try await LoadedConfiguration.load(global).spool()
                var checked = 0
                var bad = 0
                try await SpoolAccess.withSpool(configuration, logger: logger) { spool in
                    // Reading needs no lock; moving objects to quarantine/ must not race a sweeper.
                    if quarantine {
                        try await SpoolAccess.withSweeperLock(spool) {
                            try await verify(spool, logger: logger, checked: &checked, bad: &bad)
                        }
                    } else {
                        try await verify(spool, logger: logger, checked: &checked, bad: &bad)
                    }
                }
                Output.line("checked \(checked) object\(checked == 1 ? "" : "s"): \(bad) bad")
                if bad > 0 {
                    throw CommandFailure(.attention, "")
                }
            }
        }

        /// Reads every object in every state, printing the bad ones (and quarantining them with `--quarantine`).
        private func verify(
            _ spool: DirectorySpool,
            logger: Logger,
            checked: inout Int,
            bad: inout Int
        ) async throws(CommandFailure) {
            for state in SpoolState.allCases {
                try await SpoolAccess.forEachObject(in: state, of: spool) { entry, object throws(CommandFailure) in
                    checked += 1
                    guard case .failure(let error) = object else { return true }
                    guard state != .quarantine else {
                        logger.debug("already quarantined", metadata: ["spool.key": "\(entry.key)"])
                        return true
                    }
                    bad += 1
                    Output.line("bad \(state)/\(entry.key): \(error.message)")
                    // Only a damaged object is quarantined; one that could not be read (an I/O error) may
                    // read next time, and stays.
                    if quarantine && error.isDamage {
                        let quarantined: SpoolKey
                        do throws(SpoolError) {
                            quarantined = try await spool.quarantine(entry.key, from: state)
                        } catch {
                            throw SpoolAccess.failure(error, doing: "cannot quarantine \(state)/\(entry.key)")
                        }
                        // A second damaged object of the key is kept beside the first, under <key>~2.
                        Output.line("quarantined \(entry.key)" + (quarantined == entry.key ? "" : " as \(quarantined)"))
                    }
                    return true
                }
            }
        }
    }
}
