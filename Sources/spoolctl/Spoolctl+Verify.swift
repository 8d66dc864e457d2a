import ArgumentParser
import EventSpool
import Logging

extension Spoolctl {
    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Read every object, check framing and checksums, and list the bad ones.",
            discussion: """
                Checks pending/, held/ and dead/ (and quarantine/ with --include-quarantine). Prints one line \
                per bad object ('bad <state>/<key>: <reason>') and a summary. Without --quarantine it reads \
                only: creates and changes nothing. With --quarantine, moves each damaged object (corrupt, or \
                not a regular file) from pending/, held/ or dead/ to quarantine/; one that only failed to read \
                (an I/O error) stays. Exits 1 when a bad object was found. With --json, one object: \
                {"checked", "bad": [{"state", "key", "reason", "quarantined", "quarantineKey"}]}.
                """
        )

        @OptionGroup var global: GlobalOptions

        @Flag(help: "Move damaged objects to quarantine/.")
        var quarantine = false

        @Flag(help: "Also check the objects already in quarantine/, and list those still bad.")
        var includeQuarantine = false

        func run() async throws {
            let logger = global.makeLogger()
            let configuration = try await LoadedConfiguration.load(global, logger: logger).spool()
            var result = VerifyResult()
            try await SpoolAccess.withSpool(configuration, for: quarantine ? .writing : .reading, logger: logger) {
                spool in
                // Reading needs no lock; moving objects to quarantine/ must not race a sweeper.
                if quarantine {
                    try await SpoolAccess.withSweeperLock(spool, logger: logger) { _ in
                        try await verify(spool, logger: logger, into: &result)
                    }
                } else {
                    try await verify(spool, logger: logger, into: &result)
                }
            }
            if global.json {
                Output.line(result.jsonLine())
            } else {
                Output.line(
                    "checked \(result.checked) object\(result.checked == 1 ? "" : "s"): \(result.bad.count) bad"
                )
            }
            if !result.bad.isEmpty {
                throw CommandFailure(.attention, "")
            }
        }

        /// Reads every object of the states checked, noting the bad ones (and quarantining them with `--quarantine`).
        private func verify(
            _ spool: any Spool,
            logger: Logger,
            into result: inout VerifyResult
        ) async throws(CommandFailure) {
            for state in SpoolState.allCases where state != .quarantine || includeQuarantine {
                try await SpoolAccess.forEachObject(in: state, of: spool) { entry, object throws(CommandFailure) in
                    result.checked += 1
                    guard case .failure(let error) = object else { return true }
                    var bad = VerifyResult.BadObject(
                        state: state.rawValue,
                        key: entry.key.rawValue,
                        reason: error.message
                    )
                    if !global.json {
                        Output.line("bad \(state)/\(entry.key): \(error.message)")
                    }
                    // Only a damaged object is quarantined; one that could not be read (an I/O error) may
                    // read next time, and stays.
                    if quarantine && error.isDamage && state != .quarantine {
                        let quarantined: SpoolKey
                        do throws(SpoolError) {
                            quarantined = try await spool.quarantine(entry.key, from: state)
                        } catch {
                            throw SpoolAccess.failure(error, doing: "cannot quarantine \(state)/\(entry.key)")
                        }
                        bad.quarantined = true
                        // A second damaged object of the key is kept beside the first, under <key>~2.
                        bad.quarantineKey = quarantined.rawValue
                        logger.info(
                            "object quarantined",
                            metadata: ["spool.key": "\(entry.key)", "spool.quarantineKey": "\(quarantined)"]
                        )
                        if !global.json {
                            Output.line(
                                "quarantined \(entry.key)" + (quarantined == entry.key ? "" : " as \(quarantined)")
                            )
                        }
                    }
                    result.bad.append(bad)
                    return true
                }
            }
        }
    }
}

/// What `verify` found.
struct VerifyResult: Encodable {
    struct BadObject: JSONFields {
        var state: String
        var key: String
        var reason: String
        var quarantined = false
        /// Its name in `quarantine/` once moved there: its key, or `<key>~2`… beside another of that key.
        var quarantineKey: String?

        var jsonFields: [(String, (any Encodable)?)] {
            [
                ("state", state), ("key", key), ("reason", reason), ("quarantined", quarantined),
                ("quarantineKey", quarantineKey),
            ]
        }
    }

    var checked = 0
    var bad: [BadObject] = []
}
