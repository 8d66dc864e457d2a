/// What one state of a spool holds, counted the way the limits (``SpoolConfiguration/Limits``) count it:
/// objects, and their sizes in bytes (for ``DirectorySpool`` the file sizes, `st_size`).
public struct SpoolOccupancy: Sendable, Hashable, Codable {
    /// Objects in the state.
    public var objects: Int
    /// Their sizes added up.
    public var bytes: Int64

    /// What a state holds: `objects` objects of `bytes` bytes together.
    public init(objects: Int, bytes: Int64) {
        self.objects = objects
        self.bytes = bytes
    }

    /// Nothing.
    public static let empty = SpoolOccupancy(objects: 0, bytes: 0)
}

extension SpoolFolders {
    /// Counts the objects of `state` and their sizes: one pass over its folders, one `lstat` per object,
    /// no object read. An object removed since its folder was listed simply does not count.
    func occupancy(of state: SpoolState) throws(SpoolError) -> SpoolOccupancy {
        var walk = SpoolFolderWalk(directory: self, state: state, prefix: "", warnsAboutForeignEntries: false)
        var occupancy = SpoolOccupancy.empty
        while let entries = try walk.nextFolder() {
            for entry in entries {
                if let size = try? objectSize(entry.path) {
                    occupancy.bytes += size
                    occupancy.objects += 1
                }
            }
        }
        return occupancy
    }
}

extension DirectorySpool {
    /// Counts what `state` holds the way ``SpoolConfiguration/Limits`` count `pending/`: objects and their
    /// file sizes, one `lstat` per object and no object read (cheap next to a sweep's header reads).
    ///
    /// - Throws: ``SpoolError`` when a folder cannot be listed.
    public func occupancy(of state: SpoolState) async throws(SpoolError) -> SpoolOccupancy {
        try await onIOThread("list") { [directory] () throws(SpoolError) in
            try directory.occupancy(of: state)
        }
    }
}
