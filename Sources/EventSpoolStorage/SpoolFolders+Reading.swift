import EventSpoolModel
import EventSpoolSystem
import SystemPackage

extension SpoolFolders {
    /// Reads and verifies the whole object `key` in `state`.
    ///
    /// - Throws: ``SpoolError`` with code `.corrupt` (framing, checksum or a field is wrong), `.unsafe` (a
    ///   symbolic link, FIFO, device or folder where the object should be), `.notFound`, or `.io`.
    func readObject(_ key: SpoolKey, in state: SpoolState) throws(SpoolError) -> [SpooledEvent] {
        let bytes = try readBytes(key, in: state)
        do {
            return try SpoolObjectFormat.decodeObject(bytes)
        } catch {
            throw SpoolError.corrupt("read", path: displayPath(Self.objectPath(key, in: state)), error.reason)
        }
    }

    /// Reads the bytes of the object `key` in `state` as they are, without decoding them.
    ///
    /// - Throws: ``SpoolError`` as ``readObject(_:in:)`` does, except for a malformed object.
    func readBytes(_ key: SpoolKey, in state: SpoolState) throws(SpoolError) -> [UInt8] {
        let path = Self.objectPath(key, in: state)
        let (file, size) = try openObject(path)
        defer { closeQuietly(file, path) }
        guard size <= SpoolObjectFormat.maxObjectBytes else {
            throw SpoolError.corrupt(
                "read",
                path: displayPath(path),
                "the file is \(size) bytes, more than the \(SpoolObjectFormat.maxObjectBytes) an object may have"
            )
        }
        return try read(size, from: file, path)
    }

    /// Reads and verifies only the fixed-size header of the object `key` in `state`.
    func readHeader(_ key: SpoolKey, in state: SpoolState) throws(SpoolError) -> SpoolObjectHeader {
        let path = Self.objectPath(key, in: state)
        let (file, size) = try openObject(path)
        defer { closeQuietly(file, path) }
        let bytes = try read(min(size, SpoolObjectFormat.headerSize), from: file, path)
        do throws(SpoolObjectFormat.FormatError) {
            // The size is known without reading further: a truncated object shows here already.
            return try SpoolObjectHeader(decoding: bytes, objectSize: size)
        } catch {
            throw SpoolError.corrupt("read", path: displayPath(path), error.reason)
        }
    }

    /// Opens an object for reading and checks that it is a regular file.
    ///
    /// `O_NOFOLLOW` refuses a symbolic link, `O_NONBLOCK` keeps a planted FIFO from blocking the open, and
    /// `fstat` on the open descriptor (not the path, which could change in between) checks the type.
    private func openObject(_ path: String) throws(SpoolError) -> (FileDescriptor, Int) {
        let file: FileDescriptor
        do {
            file = try syscalls.open(root, FilePath(path), .readOnly, [.noFollow, .nonBlocking, .closeOnExec], nil)
        } catch .tooManySymbolicLinkLevels {
            throw SpoolError(
                code: .unsafe,
                operation: "open",
                path: displayPath(path),
                message: "is a symbolic link, which the spool never follows",
                errno: .tooManySymbolicLinkLevels
            )
        } catch .noSuchFileOrDirectory {
            throw SpoolError.syscall("open", path: displayPath(path), .noSuchFileOrDirectory, "no such object")
        } catch {
            throw SpoolError.syscall("open", path: displayPath(path), error, "could not open the object")
        }
        let status: Stat
        do {
            status = try file.stat()
        } catch {
            closeQuietly(file, path)
            throw SpoolError.syscall("fstat", path: displayPath(path), error, "could not inspect the object")
        }
        guard status.type == .regular else {
            closeQuietly(file, path)
            throw SpoolError(
                code: .unsafe,
                operation: "open",
                path: displayPath(path),
                message: "is \(Self.describe(status.type)), not a regular file"
            )
        }
        return (file, Int(status.size))
    }

    /// Reads up to `count` bytes from the start of `file`; fewer when the file ends sooner.
    private func read(_ count: Int, from file: FileDescriptor, _ path: String) throws(SpoolError) -> [UInt8] {
        var failure: Errno?
        var bytes = [UInt8](repeating: 0, count: count)
        let total = bytes.withUnsafeMutableBytes { buffer in
            var total = 0
            while total < buffer.count {
                do throws(Errno) {
                    let read = try syscalls.read(
                        file,
                        UnsafeMutableRawBufferPointer(rebasing: buffer[total...]),
                        Int64(total)
                    )
                    if read == 0 { break }
                    total += read
                } catch {
                    failure = error
                    break
                }
            }
            return total
        }
        if let failure {
            throw SpoolError.syscall("read", path: displayPath(path), failure, "could not read the object")
        }
        if total < count {
            bytes.removeLast(count - total)
        }
        return bytes
    }

    /// A file type in words, for messages: "a directory", "a FIFO".
    static func describe(_ type: FileType) -> String {
        switch type {
        case .directory: "a directory"
        case .symbolicLink: "a symbolic link"
        case .fifo: "a FIFO"
        case .socket: "a socket"
        case .characterSpecial, .blockSpecial: "a device"
        default: "a special file"
        }
    }
}
