public import Configuration
import EventSpoolModel
import EventSpoolStorage

import class Foundation.ProcessInfo

extension SpoolConfiguration {
    /// Creates a spool configuration from `config`, scoped to the spool's keys (`spool`).
    ///
    /// ## Configuration keys
    /// The keys of ``Key``: `directory` (required; created, mode 0700, when missing), `backend` (`directory`, or
    /// `s3`: the spool is the bucket of the scope `s3`, read by ``ObjectStore/init(config:)``, and `directory` is its
    /// local last resort, `""` for none), `maxBytes` and `maxObjects` (the limits of `pending/`: when reached,
    /// spooling throws), `maxEventsPerObject` (the most events one group commit writes into one object),
    /// `staleTemporaryFileAge` (files in `tmp/` older than this are a crashed writer's leftovers and are removed) and
    /// `allowUnsafePermissions` (accept a spool directory owned by another user or writable by others). Types,
    /// defaults and ranges: the README's configuration table.
    ///
    /// - Parameter config: The reader, scoped to the spool's keys.
    /// - Throws: ``ConfigurationError`` naming the key when `directory` is missing (or empty without an object
    ///   store), a key of the object store is missing, or a value is unusable.
    public init(config: ConfigReader) throws(ConfigurationError) {
        try self.init(config: config, environment: ProcessInfo.processInfo.environment)
    }

    /// Reads the spool's keys, with `environment` as the process's environment (an object store's `AWS_*`
    /// credentials).
    package init(config: ConfigReader, environment: [String: String]) throws(ConfigurationError) {
        let objectStore: ObjectStore? =
            try config.text(Key.backend) == Key.s3Backend
            ? try config.reading(.s3) { config throws(ConfigurationError) in
                try ObjectStore(config: config, environment: environment)
            }
            : nil
        self.init(
            directory: try config.requiredText(Key.directory, allowingEmpty: objectStore != nil),
            limits: Limits(
                maxBytes: Int64(try config.integer(Key.maxBytes)),
                maxObjects: try config.integer(Key.maxObjects)
            ),
            maxEventsPerObject: try config.integer(Key.maxEventsPerObject),
            staleTemporaryFileAge: try config.duration(Key.staleTemporaryFileAge),
            allowUnsafePermissions: try config.flag(Key.allowUnsafePermissions),
            objectStore: objectStore
        )
    }
}
