/// Why a ``LastResortSpool`` wrote events to its local last resort instead of its primary store: the primary
/// refused the put, or earlier events of the same ordering key wait in the last resort.
///
/// It names both spools by their ``Spool/location`` and the primary's error, which holds no secret (a spool's
/// errors never do).
public struct LastResortDiversion: Sendable, Hashable, CustomStringConvertible {
    /// Where the events were meant to go: the primary store (`s3://bucket/prefix`).
    public let primaryLocation: String
    /// Where they went: the last resort (its directory).
    public let lastResortLocation: String
    /// The primary's refusal (`.unavailable`, `.full`, …); `nil` when the events went to the last resort to stay
    /// behind earlier events of ``orderingKey``.
    public let primaryError: SpoolError?
    /// The ordering key whose earlier events wait in the last resort, when that is why.
    public let orderingKey: String?

    package init(primaryLocation: String, lastResortLocation: String, primaryError: SpoolError?, orderingKey: String?) {
        self.primaryLocation = primaryLocation
        self.lastResortLocation = lastResortLocation
        self.primaryError = primaryError
        self.orderingKey = orderingKey
    }

    public var description: String {
        if let primaryError {
            return "in the last resort \(lastResortLocation): \(primaryLocation) refused it: \(primaryError)"
        }
        return "in the last resort \(lastResortLocation): ordering key \(orderingKey ?? "") has events waiting there"
    }

    // A spool error is not Hashable; its description says all of it.
    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.primaryLocation == rhs.primaryLocation && lhs.lastResortLocation == rhs.lastResortLocation
            && lhs.primaryError?.description == rhs.primaryError?.description && lhs.orderingKey == rhs.orderingKey
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(primaryLocation)
        hasher.combine(lastResortLocation)
        hasher.combine(primaryError?.description)
        hasher.combine(orderingKey)
    }
}
