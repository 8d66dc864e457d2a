import ArgumentParser
import EventSpool
import Foundation

extension Spoolctl {
    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show one event (by id) or one object (by key): every attribute and the retry history.",
            discussion: "With --body, writes the event's raw body alone to standard output."
        )

        @OptionGroup var global: GlobalOptions

        @Argument(help: ArgumentHelp("An event id or an object key.", valueName: "id-or-key"))
        var identifier: String

        @Flag(help: "Write the raw body of the event alone to standard output.")
        var body = false

        func run() async throws {
            try await reportingFailures {
                let logger = global.makeLogger()
                let configuration = try await LoadedConfiguration.load(global, logger: logger).spool()
                try await SpoolAccess.withSpool(configuration, logger: logger) { spool in
                    guard let found = try await find(in: spool) else {
                        throw CommandFailure(
                            .attention,
                            "no event or object '\(identifier)' in the spool \(configuration.directory)"
                        )
                    }
                    try show(found)
                }
            }
        }

        /// The object with the key `identifier`, or the object holding the event with that id.
        private func find(in spool: DirectorySpool) async throws(CommandFailure) -> (SpoolObject, [SpooledEvent])? {
            if let key = SpoolKey(identifier) {
                for state in SpoolState.allCases {
                    do {
                        let object = try await spool.get(key, in: state)
                        return (object, object.events)
                    } catch  where error.code == .notFound {
                        continue
                    } catch {
                        throw CommandFailure(.ioError, "cannot read the object \(key) in \(state)/: \(error)")
                    }
                }
                return nil
            }
            // An event id: the spool is indexed by key, not id, so look through every object.
            var found: (SpoolObject, [SpooledEvent])?
            for state in SpoolState.allCases where state != .quarantine {
                try await SpoolAccess.forEachObject(in: state, of: spool) { _, object throws(CommandFailure) in
                    guard case .success(let object) = object else { return true }
                    let events = object.events.filter { $0.event.id == identifier }
                    guard !events.isEmpty else { return true }
                    found = (object, events)
                    return false
                }
                if found != nil { break }
            }
            return found
        }

        private func show(_ found: (object: SpoolObject, events: [SpooledEvent])) throws(CommandFailure) {
            if body {
                guard found.events.count == 1, let spooled = found.events.first else {
                    throw CommandFailure(
                        .usage,
                        "the object \(found.object.key) holds \(found.events.count) events; "
                            + "give one event's id with --body"
                    )
                }
                Output.raw(spooled.event.body)
                return
            }
            if global.json {
                for spooled in found.events {
                    Output.line(EventDetail(spooled, key: found.object.key, state: found.object.state).jsonLine())
                }
                return
            }
            for (index, spooled) in found.events.enumerated() {
                if index > 0 { Output.line("") }
                Output.line(EventDetail(spooled, key: found.object.key, state: found.object.state).text())
            }
        }
    }
}

/// Everything about one spooled event, for `show`.
struct EventDetail: Encodable {
    struct AttemptText: Encodable {
        var time: String
        var error: String?
    }

    var row: EventRow
    var contentType: String
    var extensions: [String: String]
    var traceparent: String?
    var firstAttemptAt: String?
    var lastAttemptAt: String?
    var history: [AttemptText]

    init(_ spooled: SpooledEvent, key: SpoolKey, state: SpoolState) {
        row = EventRow(spooled, key: key, state: state)
        contentType = spooled.event.contentType
        extensions = spooled.event.extensions
        traceparent = spooled.event.traceparent
        firstAttemptAt = spooled.delivery.firstAttemptAt.map(TimeText.iso8601)
        lastAttemptAt = spooled.delivery.lastAttemptAt.map(TimeText.iso8601)
        history = spooled.delivery.history.map {
            AttemptText(time: TimeText.iso8601($0.time), error: $0.error?.message)
        }
    }

    func text() -> String {
        var lines: [(String, String?)] = [
            ("id", row.id), ("type", row.type), ("source", row.source), ("subject", row.subject),
            ("time", row.time), ("content type", contentType), ("ordering key", row.orderingKey),
            ("traceparent", traceparent), ("size", "\(row.size) bytes"), ("object", row.key), ("state", row.state),
            ("spooled at", row.createdAt), ("attempts", row.attempts.map(String.init)),
            ("first attempt", firstAttemptAt), ("last attempt", lastAttemptAt), ("next attempt", row.nextAttemptAt),
            ("last error", row.lastError), ("dead reason", row.deadReason),
        ]
        for (name, value) in extensions.sorted(by: { $0.key < $1.key }) {
            lines.append(("ce-\(name)", value))
        }
        var text = lines.compactMap { name, value in
            value.map { EventTable.pad(name + ":", 15) + " " + $0 }
        }.joined(separator: "\n")
        if !history.isEmpty {
            text += "\nhistory:"
            for attempt in history {
                text += "\n  \(attempt.time)  \(attempt.error ?? "delivered")"
            }
        }
        return text
    }

    private enum CodingKeys: String, CodingKey {
        case contentType, extensions, traceparent, firstAttemptAt, lastAttemptAt, history
    }

    func encode(to encoder: any Encoder) throws {
        // The row's fields at the top level, then the details.
        try row.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(contentType, forKey: .contentType)
        try container.encode(extensions, forKey: .extensions)
        try container.encodeIfPresent(traceparent, forKey: .traceparent)
        try container.encodeIfPresent(firstAttemptAt, forKey: .firstAttemptAt)
        try container.encodeIfPresent(lastAttemptAt, forKey: .lastAttemptAt)
        try container.encode(history, forKey: .history)
    }
}
