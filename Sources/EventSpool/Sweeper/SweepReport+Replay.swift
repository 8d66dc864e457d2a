import EventSpoolModel
import EventSpoolStorage

import struct Foundation.Date

extension SweepReport {
    /// A selected event that a replay did not deliver, and why.
    public struct NotDelivered: Sendable, Hashable, Codable {
        /// The fate of the event in the replay.
        public struct Fate: Sendable, Hashable, Codable, CustomStringConvertible {
            private enum Base: String, Sendable, Hashable, Codable {
                case deferred
                case failedAgain
                case heldBack
                case notAttempted
            }

            private let base: Base
            private init(_ base: Base) { self.base = base }

            /// A pending event that failed with a retryable error (or 410): it stays pending, with the attempt
            /// recorded, for later sweeps.
            public static let deferred = Fate(.deferred)
            /// A dead event that failed again: it stays in `dead/`, with the attempt recorded.
            public static let failedAgain = Fate(.failedAgain)
            /// Not attempted: it waits behind an earlier event of its ordering key (one that failed, or is held).
            public static let heldBack = Fate(.heldBack)
            /// Not attempted: the replay stopped early (the broker is down, or gone).
            public static let notAttempted = Fate(.notAttempted)

            public init(from decoder: any Decoder) throws {
                base = try Base(from: decoder)
            }

            public func encode(to encoder: any Encoder) throws {
                try base.encode(to: encoder)
            }

            public var description: String {
                switch base {
                case .deferred: "deferred"
                case .failedAgain: "failed again"
                case .heldBack: "held back"
                case .notAttempted: "not attempted"
                }
            }
        }

        /// The event id.
        public internal(set) var id: String
        /// The event type.
        public internal(set) var type: String
        /// The key of its object.
        public internal(set) var key: String
        /// Where the event stays: `pending` or `dead`.
        public internal(set) var state: String
        /// Its fate (`outcome` in JSON, as it always was).
        public internal(set) var fate: Fate
        /// Why: the broker's answer, or what the event waits for.
        public internal(set) var reason: String

        private enum CodingKeys: String, CodingKey {
            case id, type, key, state, reason
            case fate = "outcome"
        }

        init(id: String, type: String, key: String, state: String, fate: Fate, reason: String) {
            self.id = id
            self.type = type
            self.key = key
            self.state = state
            self.fate = fate
            self.reason = reason
        }

        /// A selected event of the object `key` in `state` that was not sent.
        init(_ spooled: SpooledEvent, key: SpoolKey, state: SpoolState, fate: Fate, reason: String) {
            self.init(
                id: spooled.event.id,
                type: spooled.event.type,
                key: key.rawValue,
                state: state.rawValue,
                fate: fate,
                reason: reason
            )
        }

        /// A selected event that was sent and failed, with the broker's answer: it stays `deferred` in
        /// `pending/` until its next attempt, or `failedAgain` in `dead/`.
        init(failed spooled: SpooledEvent, key: SpoolKey, state: SpoolState, now: Date) {
            var reason = spooled.delivery.lastError?.message ?? "not delivered"
            if state != .dead {
                let wait = Duration.seconds(max(0, spooled.delivery.nextAttemptAt.timeIntervalSince(now)))
                reason += "; next attempt in \(wait.shortDescription)"
            }
            self.init(
                spooled,
                key: key,
                state: state,
                fate: state == .dead ? .failedAgain : .deferred,
                reason: reason
            )
        }
    }

    /// Notes one selected event a replay did not deliver, listing it while the list is under ``maxListed``.
    mutating func recordNotDelivered(_ event: NotDelivered) {
        if notDelivered.count < Self.maxListed {
            notDelivered.append(event)
        } else {
            unlistedNotDelivered += 1
        }
    }
}
