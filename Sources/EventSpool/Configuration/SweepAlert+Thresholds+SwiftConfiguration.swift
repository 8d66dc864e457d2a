public import Configuration
import EventSpoolModel
import EventSpoolStorage

extension SweepAlert.Thresholds {
    /// Reads alert thresholds from `config`, scoped to `sweeper.alert`.
    ///
    /// ## Configuration keys
    /// The keys of ``Key``: `oldestPending` (alert when the oldest pending event is at least this old; `0` turns
    /// it off), `pendingObjects` and `pendingBytes` (alert when `pending/` holds at least this fraction of
    /// `spool.maxObjects` objects or `spool.maxBytes` bytes, from 0, off, to 1). Defaults: the README's
    /// configuration table.
    ///
    /// - Parameter config: The reader scoped to `sweeper.alert`.
    /// - Throws: ``ConfigurationError`` naming the key when a value is not a duration or a fraction in range.
    public init(config: ConfigReader) throws(ConfigurationError) {
        self.init(
            oldestPending: try config.duration(Key.oldestPending),
            pendingObjects: try config.number(Key.pendingObjects),
            pendingBytes: try config.number(Key.pendingBytes)
        )
    }
}
