import EventSpoolModel
import EventSpoolStorage

// `spoolctl show` of an object that does not read as a whole, and `show --raw`: the object's bytes as the store
// holds them, with whatever of them still decodes.
extension S3Spool: InspectableSpool {
    package func inspect(_ key: SpoolKey, in state: SpoolState) async throws(SpoolError) -> SpoolObjectDump {
        let name = objectName(key, in: state)
        let lookup: S3Lookup<S3Object>
        do {
            lookup = try await client.get(client.key(name))
        } catch {
            throw failure(error, "get", name)
        }
        guard case .found(let object) = lookup else {
            throw SpoolError(code: .notFound, operation: "get", path: location + name, message: "no such object")
        }
        return SpoolObjectDump(key: key, state: state, bytes: object.bytes)
    }

    /// `s3://bucket/prefix/pending/<key>.evs`.
    package func objectLocation(of key: SpoolKey, in state: SpoolState) -> String {
        location + objectName(key, in: state)
    }
}
