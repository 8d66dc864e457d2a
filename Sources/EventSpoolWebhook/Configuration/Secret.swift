import EventSpoolModel
import EventSpoolSystem
import SystemPackage

/// A secret — a bearer token, a password, a webhook signing secret — given as a value or as the path of
/// a file that holds it (a mounted Kubernetes or Docker secret, say).
///
/// A file is read once, when the ``BrokerClient`` that uses it is made; trailing white space (the
/// newline most editors and `echo` add) is trimmed. A secret is sent at send time only: it is never
/// written into a spool object and never logged. It never prints either: ``description``,
/// ``debugDescription`` and its mirror show `<redacted>` (and, for a file, the path), so a
/// configuration that holds one can be logged or dumped safely.
public struct Secret: Sendable, Hashable {
    private enum Source: Hashable {
        case value(String)
        case file(path: String)
    }

    private let source: Source

    private init(_ source: Source) {
        self.source = source
    }

    /// The secret itself, from configuration or the environment.
    public static func value(_ value: String) -> Secret {
        Secret(.value(value))
    }

    /// The path of a file holding the secret; read when the client is made, trailing white space trimmed.
    public static func file(_ path: String) -> Secret {
        Secret(.file(path: path))
    }

    /// The path the secret is read from, or `nil` when it is given as a value.
    public var path: String? {
        if case .file(let path) = source { return path }
        return nil
    }

    /// The largest secret file read: anything bigger is not a token, a password or a signing secret.
    static let maxFileBytes = 64 * 1024

    /// The secret's text: the value, or the file's contents with trailing white space trimmed.
    ///
    /// - Parameter warnings: Gets a line when the file may be read by others than its owner (and its
    ///   owner's group, when this process is in it), naming the file and its mode.
    /// - Throws: ``SecretError`` naming the file (never its contents) when it cannot be read, is not a
    ///   regular file, is too large, is not UTF-8, or is empty.
    func reveal(warnings: inout [String]) throws(SecretError) -> String {
        switch source {
        case .value(let value):
            return value
        case .file(let path):
            let bytes = try Self.read(path, warnings: &warnings)
            guard let text = String(validating: bytes, as: UTF8.self) else {
                throw SecretError("file \(path) is not UTF-8 text")
            }
            let trimmed = String(text.reversed().drop(while: \.isWhitespace).reversed())
            guard !trimmed.isEmpty else {
                throw SecretError("file \(path) is empty")
            }
            return trimmed
        }
    }

    /// Reads the whole file.
    ///
    /// Symbolic links are followed on purpose: a Kubernetes secret volume makes each secret a link
    /// (`token` → `..data/token` → `..2024_05_01…/token`) so that it can swap them all at once, and the
    /// path is one an operator chose, not one an attacker could plant in a shared folder. What the link
    /// leads to must be a regular file: `O_NONBLOCK` keeps a FIFO from holding start-up until a writer
    /// comes, and `fstat` on the open file refuses it, a device or a folder.
    private static func read(_ path: String, warnings: inout [String]) throws(SecretError) -> [UInt8] {
        let descriptor: FileDescriptor
        do {
            descriptor = try FileDescriptor.open(FilePath(path), .readOnly, options: [.closeOnExec, .nonBlocking])
        } catch {
            throw SecretError("cannot open file \(path): \(error)")
        }
        defer { try? descriptor.close() }
        let status: Stat
        do {
            status = try descriptor.stat()
        } catch {
            throw SecretError("cannot inspect file \(path): \(error)")
        }
        guard status.type == .regular else {
            throw SecretError("file \(path) is \(Self.kind(of: status.type)), not a regular file")
        }
        let exposure = FileExposure(status)
        if let readers = exposure.readers {
            warnings.append(
                "file \(path) is readable by \(readers) (mode \(exposure.modeText)); let only its owner read it "
                    + "(chmod 600; for a Kubernetes secret volume, defaultMode: 0400, or 0440 with the pod's fsGroup)"
            )
        }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count: Int
            do {
                count = try chunk.withUnsafeMutableBytes { try descriptor.read(into: $0, retryOnInterrupt: true) }
            } catch {
                throw SecretError("cannot read file \(path): \(error)")
            }
            if count == 0 { return bytes }
            bytes.append(contentsOf: chunk[..<count])
            if bytes.count > maxFileBytes {
                throw SecretError("file \(path) is larger than \(maxFileBytes) bytes; it does not hold a secret")
            }
        }
    }
}

extension Secret {
    /// What a file of `type` is, in a few words.
    fileprivate static func kind(of type: FileType) -> String {
        switch type {
        case .fifo: "a FIFO"
        case .directory: "a folder"
        case .characterSpecial, .blockSpecial: "a device"
        case .socket: "a socket"
        default: "not a plain file"
        }
    }
}

extension Secret: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// `<redacted>`, or `<redacted> (file /path)`: never the secret.
    public var description: String {
        switch source {
        case .value: return "<redacted>"
        case .file(let path): return "<redacted> (file \(path))"
        }
    }

    public var debugDescription: String { description }

    /// No children: `dump` and reflection see only ``description``.
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: nil) }
}

/// Why a ``Secret`` could not be read. The message names the file, never its contents.
struct SecretError: Error, Sendable, Hashable, CustomStringConvertible {
    var message: String

    init(_ message: String) {
        self.message = message
    }

    var description: String { message }
}
