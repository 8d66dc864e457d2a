import EventSpoolModel
import EventSpoolStorage

extension ConfigurationError {
    /// Throws unless `configuration` is the configuration `spool` was opened with: a publisher or sweeper given
    /// an open spool uses that spool, so a configuration naming another directory or other limits would be
    /// silently ignored.
    ///
    /// - Throws: ``ConfigurationError`` for the key `spool`, naming every setting that differs.
    static func requireSame(_ configuration: SpoolConfiguration, as spool: any Spool) throws(ConfigurationError) {
        let opened = spool.configuration
        guard configuration != opened else { return }
        var found: [String] = []
        var expected: [String] = []
        func compare<Value: Equatable>(_ key: String, _ value: Value, _ openedValue: Value) {
            guard value != openedValue else { return }
            found.append("\(key) '\(value)'")
            expected.append("\(key) '\(openedValue)'")
        }
        compare("directory", configuration.directory, opened.directory)
        compare("maxBytes", configuration.limits.maxBytes, opened.limits.maxBytes)
        compare("maxObjects", configuration.limits.maxObjects, opened.limits.maxObjects)
        compare("maxEventsPerObject", configuration.maxEventsPerObject, opened.maxEventsPerObject)
        compare("staleTemporaryFileAge", configuration.staleTemporaryFileAge, opened.staleTemporaryFileAge)
        compare("allowUnsafePermissions", configuration.allowUnsafePermissions, opened.allowUnsafePermissions)
        throw ConfigurationError(
            key: "spool",
            found: found.joined(separator: ", "),
            expected: "the configuration the given spool was opened with (" + expected.joined(separator: ", ") + ")"
        )
    }
}
