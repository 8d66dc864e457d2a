import SystemPackage

/// A regular file read whole, within a size limit: what a secret file and a configuration file are.
///
/// `O_NONBLOCK` keeps a FIFO from holding the caller until a writer comes, and `fstat` on the open file refuses
/// a FIFO, a device or a folder before a byte is read; a file larger than the limit is refused from its size,
/// never read whole. Symbolic links are followed: the path is one an operator chose (a Kubernetes secret is a
/// link), and what it leads to must still be a regular file.
package struct RegularFile: Sendable {
    /// The file's contents.
    package let bytes: [UInt8]
    /// The file's status, as it was opened.
    package let status: Stat

    /// Why a file could not be read; each caller words it for its own file.
    package enum Failure: Error, Sendable {
        /// `open` failed.
        case cannotOpen(Errno)
        /// `fstat` or `read` failed.
        case cannotRead(Errno)
        /// The path leads to something else: its kind in a few words, `a FIFO`, `a device`, `a folder`.
        case notRegular(String)
        /// The file holds more than the limit.
        case tooLarge
    }

    /// Reads the file at `path`, refusing anything but a regular file of at most `maxBytes` bytes.
    package init(path: String, maxBytes: Int) throws(Failure) {
        let descriptor: FileDescriptor
        do {
            descriptor = try FileDescriptor.open(FilePath(path), .readOnly, options: [.closeOnExec, .nonBlocking])
        } catch {
            throw .cannotOpen(error as? Errno ?? .ioError)
        }
        defer { try? descriptor.close() }
        do {
            status = try descriptor.stat()
        } catch {
            throw .cannotRead(error)
        }
        guard status.type == .regular else { throw .notRegular(Self.kind(of: status.type)) }
        guard status.size <= maxBytes else { throw .tooLarge }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count: Int
            do {
                count = try chunk.withUnsafeMutableBytes { try descriptor.read(into: $0, retryOnInterrupt: true) }
            } catch {
                throw .cannotRead(error as? Errno ?? .ioError)
            }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[..<count])
            // A file that grows while it is read is held to the same limit.
            guard bytes.count <= maxBytes else { throw .tooLarge }
        }
        self.bytes = bytes
    }

    /// What a file of `type` is, in a few words.
    private static func kind(of type: FileType) -> String {
        switch type {
        case .fifo: "a FIFO"
        case .directory: "a folder"
        case .characterSpecial, .blockSpecial: "a device"
        case .socket: "a socket"
        default: "not a plain file"
        }
    }
}
