extension DirectorySpool {
    /// Reads an object's bytes as they are and decodes what it can, for a person inspecting a damaged
    /// object. Works on a spool opened for reading only.
    ///
    /// - Throws: ``SpoolError`` when the object cannot be read at all: `.notFound`, `.unsafe` (a symbolic
    ///   link or other non-regular file, never followed), `.corrupt` (larger than any object), or `.io`.
    package func inspect(_ key: SpoolKey, in state: SpoolState) async throws(SpoolError) -> SpoolObjectDump {
        let bytes = try await onIOThread("read") { [directory] () throws(SpoolError) in
            try directory.readBytes(key, in: state)
        }
        return SpoolObjectDump(key: key, state: state, bytes: bytes)
    }
}
