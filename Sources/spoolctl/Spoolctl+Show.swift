import ArgumentParser
import EventSpool
import Foundation

extension Spoolctl {
    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show one event (by id) or one object (by key): every attribute and the retry history.",
            discussion: """
                An id or key may be shortened to a unique prefix of at least 4 characters. An object that \
                does not read as a whole (a quarantined one) is dumped as postcat does: its header, what is \
                wrong, and every event that still decodes. --body writes the event's raw body alone; --raw \
                writes the object's bytes unchanged (neither takes --json: they write bytes, not JSON). A hold \
                or a partial dead-letter leaves one key in two states: --state picks one. Reads only: creates \
                and changes nothing. Exits 66 when nothing has that id or key, 64 when a prefix is ambiguous.
                """
        )

        @OptionGroup var global: GlobalOptions

        @Argument(
            help: ArgumentHelp("An event id or an object key, or a unique prefix of one.", valueName: "id-or-key")
        )
        var identifier: String

        @Flag(help: "Write the raw body of the event alone to standard output.")
        var body = false

        @Flag(help: "Write the bytes of the object holding it, unchanged, to standard output.")
        var raw = false

        @Option(
            help: ArgumentHelp(
                "Look only in this part of the spool: pending, held, dead or quarantine.",
                valueName: "state"
            ),
            transform: { try StateArgument.parse($0) }
        )
        var state: SpoolState?

        func validate() throws {
            if body && raw {
                throw ValidationError("Give at most one of --body and --raw.")
            }
            if global.json && (body || raw) {
                throw ValidationError(
                    "--\(body ? "body" : "raw") writes bytes, not JSON: give it without --json."
                )
            }
        }

        func run() async throws {
            let logger = global.makeLogger()
            let configuration = try await LoadedConfiguration.load(global, logger: logger).spool()
            try await SpoolAccess.withSpool(configuration, for: .reading, logger: logger) { spool in
                let matches = try await EventLocator(spool: spool).resolve(
                    [identifier],
                    in: state.map { [$0] } ?? SpoolState.allCases
                )
                let selections = ObjectSelection.grouping(matches)
                if raw {
                    try await writeRaw(selections, spool: spool)
                    return
                }
                var printed = 0
                for selection in selections {
                    try await show(selection, spool: spool, separated: printed > 0)
                    printed += 1
                }
            }
        }

        private func writeRaw(_ selections: [ObjectSelection], spool: any Spool) async throws(CommandFailure) {
            guard selections.count == 1, let selection = selections.first else {
                let places = selections.map { "\($0.state)/\($0.key)" }.joined(separator: "\n  ")
                throw CommandFailure(
                    .usage,
                    "'\(identifier)' is in \(selections.count) objects:\n  \(places)\npick one with --state "
                        + "(spoolctl show \(identifier) --raw --state \(selections.last?.state ?? .pending))"
                )
            }
            do {
                Output.raw(try await SpoolAccess.inspect(selection.key, in: selection.state, spool: spool).bytes)
            } catch {
                throw SpoolAccess.failure(error, doing: "cannot read \(selection.state)/\(selection.key)")
            }
        }

        private func show(
            _ selection: ObjectSelection,
            spool: any Spool,
            separated: Bool
        ) async throws(CommandFailure) {
            let object: SpoolObject
            do {
                object = try await spool.get(selection.key, in: selection.state)
            } catch let error where error.code == .notFound {
                throw CommandFailure(.notFound, "\(selection.state)/\(selection.key) was removed meanwhile")
            } catch let error where error.code == .unavailable {
                throw SpoolAccess.failure(error, doing: "cannot read \(selection.state)/\(selection.key)")
            } catch {
                guard !body else {
                    throw CommandFailure(.ioError, "cannot read the body: \(error)")
                }
                await dump(selection, spool: spool)
                return
            }
            let events = object.events.filter(selection.contains)
            if body {
                guard events.count == 1, let spooled = events.first else {
                    throw CommandFailure(
                        .usage,
                        "the object \(object.key) holds \(events.count) events; give one event's id with --body"
                    )
                }
                Output.raw(spooled.event.body)
                return
            }
            for (index, spooled) in events.enumerated() {
                let detail = EventDetail(spooled, key: object.key, state: object.state)
                if global.json {
                    Output.line(detail.jsonLine())
                } else {
                    if separated || index > 0 { Output.line("") }
                    Output.line(detail.text())
                }
            }
        }

        /// Shows what can be made of an object that does not read as a whole.
        private func dump(_ selection: ObjectSelection, spool: any Spool) async {
            let path = SpoolAccess.objectLocation(of: selection.key, in: selection.state, spool: spool)
            let report: ObjectReport
            do {
                report = ObjectReport(
                    try await SpoolAccess.inspect(selection.key, in: selection.state, spool: spool),
                    path: path
                )
            } catch {
                report = ObjectReport(unreadable: selection.key, state: selection.state, path: path, error: error)
            }
            Output.line(global.json ? report.jsonLine() : report.text())
        }
    }
}
