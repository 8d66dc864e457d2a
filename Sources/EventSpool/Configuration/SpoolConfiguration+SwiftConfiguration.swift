public import Configuration
import EventSpoolModel
import EventSpoolStorage

extension SpoolConfiguration {
    /// Creates a spool configuration from `config`, scoped to the spool's keys (`spool`).
    ///
    /// ## Configuration keys
    /// The keys of ``Key``: `directory` (required; created, mode 0700, when missing), `maxBytes` and `maxObjects`
    /// (the limits of `pending/`: when reached, spooling throws), `maxEventsPerObject` (the most events one group
    /// commit writes into one object), `staleTemporaryFileAge` (files in `tmp/` older than this are a crashed
    /// writer's leftovers and are removed) and `allowUnsafePermissions` (accept a spool directory owned by another
    /// user or writable by others). Types, defaults and ranges: the README's configuration table.
    ///
    /// - Parameter config: The reader, scoped to the spool's keys.
    /// - Throws: ``ConfigurationError`` naming the key when `directory` is missing or a value is unusable.
    public init(config: ConfigReader) throws(ConfigurationError) {
        self.init(
            directory: try config.requiredText(Key.directory),
            limits: Limits(
                maxBytes: Int64(try config.integer(Key.maxBytes)),
                maxObjects: try config.integer(Key.maxObjects)
            ),
            maxEventsPerObject: try config.integer(Key.maxEventsPerObject),
            staleTemporaryFileAge: try config.duration(Key.staleTemporaryFileAge),
            allowUnsafePermissions: try config.flag(Key.allowUnsafePermissions)
        )
    }
}
