import EventSpoolModel
// The JSON field names are part of the interface: they are listed in `docs/sweeper.md`.
import EventSpoolStorage

extension SweepAlert: Codable {
    enum CodingKeys: String, CodingKey {
        case breaches, pendingEvents, pendingObjects, pendingBytes, maxObjects, maxBytes
        case oldestPendingAgeSeconds, oldestNextAttemptInSeconds, lastErrors, endpoint
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            breaches: try container.decode([Breach].self, forKey: .breaches),
            pendingEvents: try container.decode(Int.self, forKey: .pendingEvents),
            pending: SpoolOccupancy(
                objects: try container.decode(Int.self, forKey: .pendingObjects),
                bytes: try container.decode(Int64.self, forKey: .pendingBytes)
            ),
            limits: SpoolConfiguration.Limits(
                maxBytes: try container.decode(Int64.self, forKey: .maxBytes),
                maxObjects: try container.decode(Int.self, forKey: .maxObjects)
            ),
            oldestPendingAge: try container.decodeIfPresent(Double.self, forKey: .oldestPendingAgeSeconds).map {
                .seconds($0)
            },
            oldestNextAttemptIn: try container.decodeIfPresent(Double.self, forKey: .oldestNextAttemptInSeconds).map {
                .seconds($0)
            },
            lastErrors: try container.decode([AttemptError].self, forKey: .lastErrors),
            endpoint: try container.decode(String.self, forKey: .endpoint)
        )
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(breaches, forKey: .breaches)
        try container.encode(pendingEvents, forKey: .pendingEvents)
        try container.encode(pending.objects, forKey: .pendingObjects)
        try container.encode(pending.bytes, forKey: .pendingBytes)
        try container.encode(limits.maxObjects, forKey: .maxObjects)
        try container.encode(limits.maxBytes, forKey: .maxBytes)
        // `null`, not left out, as everywhere in the report.
        try container.encode(oldestPendingAge?.seconds, forKey: .oldestPendingAgeSeconds)
        try container.encode(oldestNextAttemptIn?.seconds, forKey: .oldestNextAttemptInSeconds)
        try container.encode(lastErrors, forKey: .lastErrors)
        try container.encode(endpoint, forKey: .endpoint)
    }
}
