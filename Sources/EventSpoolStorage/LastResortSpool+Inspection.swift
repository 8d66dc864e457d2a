import class Foundation.FileManager

// `spoolctl show` of a damaged object and `show --raw` on a bucket with its local last resort: the object is read
// where it is, the last resort first, as every other read.
extension LastResortSpool: InspectableSpool {
    package func inspect(_ key: SpoolKey, in state: SpoolState) async throws(SpoolError) -> SpoolObjectDump {
        do throws(SpoolError) {
            return try await Self.inspect(lastResort, key, state)
        } catch  where error.code == .notFound {
            return try await Self.inspect(primary, key, state)
        }
    }

    /// The object's path in the last resort when it is there (a local look, no request), else its name in the
    /// primary.
    package func objectLocation(of key: SpoolKey, in state: SpoolState) -> String {
        if let local = (lastResort as? any InspectableSpool)?.objectLocation(of: key, in: state),
            FileManager.default.fileExists(atPath: local)
        {
            return local
        }
        return (primary as? any InspectableSpool)?.objectLocation(of: key, in: state) ?? "\(primary.location)"
    }

    private static func inspect(
        _ spool: any Spool,
        _ key: SpoolKey,
        _ state: SpoolState
    ) async throws(SpoolError) -> SpoolObjectDump {
        guard let inspectable = spool as? any InspectableSpool else {
            throw SpoolError(code: .notFound, operation: "inspect", path: spool.location, message: "no such object")
        }
        return try await inspectable.inspect(key, in: state)
    }
}
