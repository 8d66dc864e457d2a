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
    package func reveal(warnings: inout [String]) throws(SecretError) -> String {
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

    /// Reads the whole file: a regular file (symbolic links followed, see ``RegularFile``) of at most
    /// ``maxFileBytes``, warning when others than its owner may read it.
    private static func read(_ path: String, warnings: inout [String]) throws(SecretError) -> [UInt8] {
        let file: RegularFile
        do {
            file = try RegularFile(path: path, maxBytes: maxFileBytes)
        } catch {
            switch error {
            case .cannotOpen(let errno): throw SecretError("cannot open file \(path): \(errno)")
            case .cannotRead(let errno): throw SecretError("cannot read file \(path): \(errno)")
            case .notRegular(let kind): throw SecretError("file \(path) is \(kind), not a regular file")
            case .tooLarge:
                throw SecretError("file \(path) is larger than \(maxFileBytes) bytes; it does not hold a secret")
            }
        }
        let exposure = FileExposure(file.status)
        if let readers = exposure.readers {
            warnings.append(
                "file \(path) is readable by \(readers) (mode \(exposure.modeText)); let only its owner read it "
                    + "(chmod 600; for a Kubernetes secret volume, defaultMode: 0400, or 0440 with the pod's fsGroup)"
            )
        }
        return file.bytes
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
package struct SecretError: Error, Sendable, Hashable, CustomStringConvertible {
    package var message: String

    init(_ message: String) {
        self.message = message
    }

    package var description: String { message }
}
