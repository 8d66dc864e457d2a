public import Configuration
import EventSpoolModel
import EventSpoolStorage

extension SpoolConfiguration {
    /// Creates a spool configuration from `config`, scoped to the spool's keys (`spool`).
    ///
    /// ## Configuration keys
    /// - `directory` (string, required): The spool directory; created (mode 0700) when missing.
    /// - `maxBytes` (int, optional, default: `1073741824`, 1 GiB): The most bytes of objects in `pending/`;
    ///   when reached, spooling throws.
    /// - `maxObjects` (int, optional, default: `1000000`): The most objects in `pending/`; when reached,
    ///   spooling throws.
    /// - `maxEventsPerObject` (int, optional, default: `64`): The most events one group commit writes into
    ///   one object.
    /// - `staleTemporaryFileAge` (duration, optional, default: `1h`): Files in `tmp/` older than this are
    ///   leftovers of a crashed writer and are removed.
    /// - `allowUnsafePermissions` (bool, optional, default: `false`): Accept a spool directory owned by
    ///   another user or writable by others.
    ///
    /// - Parameter config: The reader, scoped to the spool's keys.
    /// - Throws: ``ConfigurationError`` naming the key when `directory` is missing or a value is unusable.
    public init(config: ConfigReader) throws(ConfigurationError) {
        let defaults = SpoolConfiguration(directory: "")
        self.init(
            directory: try config.requiredText("directory", expected: "the path of the spool directory"),
            limits: Limits(
                maxBytes: Int64(try config.integer("maxBytes", default: Int(defaults.limits.maxBytes), minimum: 1)),
                maxObjects: try config.integer("maxObjects", default: defaults.limits.maxObjects, minimum: 1)
            ),
            maxEventsPerObject: try config.integer(
                "maxEventsPerObject",
                default: defaults.maxEventsPerObject,
                minimum: 1
            ),
            staleTemporaryFileAge: try config.duration(
                "staleTemporaryFileAge",
                default: defaults.staleTemporaryFileAge
            ),
            allowUnsafePermissions: try config.flag("allowUnsafePermissions", default: defaults.allowUnsafePermissions)
        )
    }
}
