public import Configuration
import EventSpoolModel
import EventSpoolStorage

extension SweepAlert.Thresholds {
    /// Reads alert thresholds from `config`, scoped to `sweeper.alert`.
    ///
    /// ## Configuration keys
    /// - `oldestPending` (duration, optional, default: `1h`): Alert when the oldest pending event is at least
    ///   this old; `0` turns it off.
    /// - `pendingObjects` (double, optional, default: `0.8`): Alert when `pending/` holds at least this
    ///   fraction of `spool.maxObjects` objects, from 0 (off) to 1.
    /// - `pendingBytes` (double, optional, default: `0.8`): Alert when `pending/` holds at least this fraction
    ///   of `spool.maxBytes` bytes, from 0 (off) to 1.
    ///
    /// - Parameter config: The reader scoped to `sweeper.alert`.
    /// - Throws: ``ConfigurationError`` naming the key when a value is not a duration or a fraction.
    public init(config: ConfigReader) throws(ConfigurationError) {
        let defaults = Self()
        self.init(
            oldestPending: try config.duration("oldestPending", default: defaults.oldestPending),
            pendingObjects: try config.number("pendingObjects", default: defaults.pendingObjects, in: 0...1),
            pendingBytes: try config.number("pendingBytes", default: defaults.pendingBytes, in: 0...1)
        )
    }
}
