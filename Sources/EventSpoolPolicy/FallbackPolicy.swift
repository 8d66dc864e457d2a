/// What the sweeper does with an event it gives up on: one whose failure is permanent (a 4xx other
/// than 408/410/425/429, a 501, a 3xx) or whose retries are exhausted (see ``RetryPolicy``).
///
/// - Important: Either way a given-up event leaves `pending/` only after it is written to `dead/`
///   (or delivered to the secondary broker), and the sweep report names it.
public struct FallbackPolicy: Sendable, Hashable, CustomStringConvertible {
    private enum Base: String, Sendable, Hashable {
        case deadLetter
        case secondaryBroker
    }

    private let base: Base
    private init(_ base: Base) { self.base = base }

    /// Move the event to `dead/` at once. The default.
    public static let deadLetter = FallbackPolicy(.deadLetter)

    /// Try the configured secondary broker once; when it does not take the event either (or no
    /// secondary broker is configured), move the event to `dead/`.
    public static let secondaryBroker = FallbackPolicy(.secondaryBroker)

    /// Parses `deadLetter` or `secondaryBroker`, the names used in configuration files.
    public init?(_ name: String) {
        guard let base = Base(rawValue: name) else { return nil }
        self.base = base
    }

    /// Whether a given-up event goes to the secondary broker before `dead/`.
    public var triesSecondaryBroker: Bool { base == .secondaryBroker }

    public var description: String { base.rawValue }
}
