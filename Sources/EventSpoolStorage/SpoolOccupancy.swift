/// What one state of a spool holds, counted the way the limits count it: objects, and their file sizes
/// (`st_size`) in bytes.
package struct SpoolOccupancy: Sendable, Hashable, Codable {
    /// Objects (files) in the state.
    package var objects: Int
    /// Their sizes added up.
    package var bytes: Int64

    package init(objects: Int, bytes: Int64) {
        self.objects = objects
        self.bytes = bytes
    }

    /// Nothing.
    package static let empty = SpoolOccupancy(objects: 0, bytes: 0)
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
    package func occupancy(of state: SpoolState) async throws(SpoolError) -> SpoolOccupancy {
        try await onIOThread("list") { [directory] () throws(SpoolError) in
            try directory.occupancy(of: state)
        }
    }
}
