/// The part of a spool an object is in; each is a top-level folder of the spool directory.
public enum SpoolState: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// Waiting for delivery: `pending/`.
    case pending
    /// Given up by the sweeper: `dead/`. Never deleted silently.
    case dead
    /// Unreadable, kept for a person to inspect: `quarantine/`.
    case quarantine

    public var description: String { rawValue }
}
