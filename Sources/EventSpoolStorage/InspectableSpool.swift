/// A spool whose objects a person may read as they are stored — `spoolctl show` of a damaged object, and
/// `show --raw` — whatever the spool keeps them in.
package protocol InspectableSpool: Spool {
    /// Reads an object's bytes as they are and decodes what it can.
    ///
    /// - Throws: ``SpoolError`` when the object cannot be read at all: `.notFound`, `.unsafe`, `.corrupt`
    ///   (larger than any object), `.io` or `.unavailable`.
    func inspect(_ key: SpoolKey, in state: SpoolState) async throws(SpoolError) -> SpoolObjectDump

    /// Where an object is, for a person: its path in the spool directory, or its name in the bucket.
    func objectLocation(of key: SpoolKey, in state: SpoolState) -> String
}

extension DirectorySpool: InspectableSpool {
    /// The object's path.
    package func objectLocation(of key: SpoolKey, in state: SpoolState) -> String {
        path(of: key, in: state)
    }
}
