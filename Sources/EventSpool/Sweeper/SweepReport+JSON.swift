import EventSpoolModel

import struct Foundation.Data
import struct Foundation.Date
import class Foundation.JSONDecoder
import class Foundation.JSONEncoder

// The JSON field names are part of the interface: they are listed in `docs/sweeper.md`.
extension SweepReport: Codable {
    enum CodingKeys: String, CodingKey {
        case kind, spoolDirectory, startedAt, durationSeconds, lockHeld, dryRun
        case delivered, deliveredToSecondary, deferred, notDue, deadLettered, quarantined, unreadable, remaining
        case oldestPendingAgeSeconds, selected, orderingPrefix, missing, failedAgain, notDelivered
        case unlistedNotDelivered
        case endpointGone, endpointError, stoppedEarly, failure
        case givenUp, unlistedGivenUp, quarantinedObjects, unlistedQuarantined
        case needsAttention, alert
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            kind: try container.decode(Kind.self, forKey: .kind),
            spoolDirectory: try container.decode(String.self, forKey: .spoolDirectory),
            startedAt: try container.decode(Date.self, forKey: .startedAt)
        )
        duration = .seconds(saturating: try container.decode(Double.self, forKey: .durationSeconds))
        lockHeld = try container.decode(Bool.self, forKey: .lockHeld)
        dryRun = try container.decode(Bool.self, forKey: .dryRun)
        delivered = try container.decode(Int.self, forKey: .delivered)
        deliveredToSecondary = try container.decode(Int.self, forKey: .deliveredToSecondary)
        deferred = try container.decode(Int.self, forKey: .deferred)
        notDue = try container.decode(Int.self, forKey: .notDue)
        deadLettered = try container.decode(Int.self, forKey: .deadLettered)
        quarantined = try container.decode(Int.self, forKey: .quarantined)
        unreadable = try container.decode(Int.self, forKey: .unreadable)
        let remaining = try container.decodeIfPresent(Int.self, forKey: .remaining)
        self.remaining = remaining ?? 0
        remainingIsKnown = remaining != nil
        oldestPendingAge = try container.decodeIfPresent(Double.self, forKey: .oldestPendingAgeSeconds).map {
            .seconds(saturating: $0)
        }
        selected = try container.decode(Int.self, forKey: .selected)
        orderingPrefix = try container.decode(Int.self, forKey: .orderingPrefix)
        missing = try container.decode([String].self, forKey: .missing)
        failedAgain = try container.decode(Int.self, forKey: .failedAgain)
        notDelivered = try container.decode([NotDelivered].self, forKey: .notDelivered)
        unlistedNotDelivered = try container.decode(Int.self, forKey: .unlistedNotDelivered)
        endpointGone = try container.decode(Bool.self, forKey: .endpointGone)
        endpointError = try container.decodeIfPresent(AttemptError.self, forKey: .endpointError)
        stoppedEarly = try container.decodeIfPresent(StopReason.self, forKey: .stoppedEarly)
        failure = try container.decodeIfPresent(String.self, forKey: .failure)
        givenUp = try container.decode([GivenUpEvent].self, forKey: .givenUp)
        unlistedGivenUp = try container.decode(Int.self, forKey: .unlistedGivenUp)
        quarantinedObjects = try container.decode([QuarantinedObject].self, forKey: .quarantinedObjects)
        unlistedQuarantined = try container.decode(Int.self, forKey: .unlistedQuarantined)
        alert = try container.decodeIfPresent(SweepAlert.self, forKey: .alert)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kind, forKey: .kind)
        try container.encode(spoolDirectory, forKey: .spoolDirectory)
        try container.encode(startedAt, forKey: .startedAt)
        try container.encode(duration.seconds, forKey: .durationSeconds)
        try container.encode(lockHeld, forKey: .lockHeld)
        try container.encode(dryRun, forKey: .dryRun)
        try container.encode(delivered, forKey: .delivered)
        try container.encode(deliveredToSecondary, forKey: .deliveredToSecondary)
        try container.encode(deferred, forKey: .deferred)
        try container.encode(notDue, forKey: .notDue)
        try container.encode(deadLettered, forKey: .deadLettered)
        try container.encode(quarantined, forKey: .quarantined)
        try container.encode(unreadable, forKey: .unreadable)
        // Optional values are written as `null`, not left out, so every field is always there.
        try container.encode(remainingIsKnown ? remaining : nil, forKey: .remaining)
        try container.encode(oldestPendingAge?.seconds, forKey: .oldestPendingAgeSeconds)
        try container.encode(selected, forKey: .selected)
        try container.encode(orderingPrefix, forKey: .orderingPrefix)
        try container.encode(missing, forKey: .missing)
        try container.encode(failedAgain, forKey: .failedAgain)
        try container.encode(notDelivered, forKey: .notDelivered)
        try container.encode(unlistedNotDelivered, forKey: .unlistedNotDelivered)
        try container.encode(endpointGone, forKey: .endpointGone)
        try container.encode(endpointError, forKey: .endpointError)
        try container.encode(stoppedEarly, forKey: .stoppedEarly)
        try container.encode(failure, forKey: .failure)
        try container.encode(givenUp, forKey: .givenUp)
        try container.encode(unlistedGivenUp, forKey: .unlistedGivenUp)
        try container.encode(quarantinedObjects, forKey: .quarantinedObjects)
        try container.encode(unlistedQuarantined, forKey: .unlistedQuarantined)
        try container.encode(needsAttention, forKey: .needsAttention)
        try container.encode(alert, forKey: .alert)
    }

    /// The report as one JSON object, keys sorted, times in ISO 8601, durations in seconds.
    ///
    /// - Parameter pretty: Indent the object over several lines (for people); one line otherwise
    ///   (for log shippers and JSON Lines).
    public func renderJSON(pretty: Bool = true) -> String {
        let encoder = Self.encoder(pretty: pretty)
        do {
            return String(decoding: try encoder.encode(self), as: UTF8.self)
        } catch {
            // Every field is a plain value: encoding cannot fail, but a report must never be lost.
            return #"{"failure":"the report could not be encoded: \#(error)"}"#
        }
    }

    /// Reads a report written by ``renderJSON(pretty:)``.
    package static func decodeJSON(_ text: String) throws -> SweepReport {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            // With milliseconds, as written now; without, as reports written before were.
            for format in [Self.timeFormat, Date.ISO8601FormatStyle()] {
                if let date = try? format.parse(text) { return date }
            }
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not an ISO 8601 time: \(text)")
        }
        return try decoder.decode(SweepReport.self, from: Data(text.utf8))
    }

    /// Times in ISO 8601, UTC, with milliseconds.
    private static let timeFormat = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    private static func encoder(pretty: Bool) -> JSONEncoder {
        let encoder = JSONEncoder()
        // With milliseconds, as every time spoolctl writes in JSON (`docs/cli.md`).
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(date.formatted(timeFormat))
        }
        encoder.outputFormatting =
            pretty ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}
