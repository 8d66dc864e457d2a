import EventSpoolHTTP
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
        compareObjectStores(configuration.objectStore, opened.objectStore, found: &found, expected: &expected)
        throw ConfigurationError(
            key: "spool",
            found: found.joined(separator: ", "),
            expected: "the configuration the given spool was opened with (" + expected.joined(separator: ", ") + ")"
        )
    }

    /// Adds what differs between two object stores to `found` and `expected`: the settings by value, the
    /// credentials only by name (their values are secret).
    private static func compareObjectStores(
        _ store: SpoolConfiguration.ObjectStore?,
        _ opened: SpoolConfiguration.ObjectStore?,
        found: inout [String],
        expected: inout [String]
    ) {
        guard store != opened else { return }
        guard let store, let opened else {
            found.append("backend '\(store == nil ? "directory" : "s3")'")
            expected.append("backend '\(opened == nil ? "directory" : "s3")'")
            return
        }
        func compare<Value: Equatable>(_ key: String, _ value: Value, _ openedValue: Value) {
            guard value != openedValue else { return }
            found.append("s3.\(key) '\(value)'")
            expected.append("s3.\(key) '\(openedValue)'")
        }
        compare("endpoint", HTTPURL.masked(store.endpoint), HTTPURL.masked(opened.endpoint))
        compare("bucket", store.bucket, opened.bucket)
        compare("region", store.region, opened.region)
        compare("prefix", store.prefix, opened.prefix)
        compare("pathStyle", store.pathStyle, opened.pathStyle)
        compare("tls", store.tls, opened.tls)
        compare("timeout", store.timeout, opened.timeout)
        compare("leaseDuration", store.leaseDuration, opened.leaseDuration)
        compare("hostId", store.hostID ?? "", opened.hostID ?? "")
        if store.credentials != opened.credentials {
            found.append("other s3 credentials")
            expected.append("the s3 credentials it was opened with")
        }
    }
}
