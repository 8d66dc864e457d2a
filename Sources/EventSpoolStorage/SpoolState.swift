/// The part of a spool an object is in; each is a top-level folder of the spool directory.
public enum SpoolState: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// Waiting for delivery: `pending/`.
    case pending
    /// Kept out of sweeps and replays by an operator until released: `held/` (`spoolctl hold`).
    ///
    /// A held event still holds its ordering key: later events of that key wait in `pending/` until it is
    /// released or purged (see `docs/sweeper.md`, "Held events").
    case held
    /// Given up by the sweeper: `dead/`. Never deleted silently.
    case dead
    /// Unreadable, kept for a person to inspect: `quarantine/`.
    case quarantine

    public var description: String { rawValue }
}
