import EventSpoolModel
import EventSpoolSystem
public import SystemPackage

/// A spool operation that failed; it names the operation and the path.
public struct SpoolError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is. A struct over a private enum so that codes can be added.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable {
            case io
            case full
            case corrupt
            case notFound
            case alreadyExists
            case unsafe
            case invalidKey
            case invalidObject
            case readOnly
            case leaseLost
            case unavailable
            case invalidConfiguration
            case conflict
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// A system call failed (see ``SpoolError/errno``).
        public static let io = Code(.io)
        /// A spool limit (bytes or objects) is reached.
        public static let full = Code(.full)
        /// The object's framing, checksum or contents are invalid.
        public static let corrupt = Code(.corrupt)
        /// No object with that key.
        public static let notFound = Code(.notFound)
        /// An object with that key already exists.
        public static let alreadyExists = Code(.alreadyExists)
        /// The spool or an object is not safe to use: wrong owner or mode, a symlink, not a regular file.
        public static let unsafe = Code(.unsafe)
        /// A key or id that could name a path outside the spool.
        public static let invalidKey = Code(.invalidKey)
        /// The object to write is not valid: it has no events, or is too large for the object format.
        public static let invalidObject = Code(.invalidObject)
        /// The spool was opened for reading only (``DirectorySpool/openForReading(configuration:logger:)``).
        public static let readOnly = Code(.readOnly)
        /// The sweeper's lease on the spool is no longer held — released, expired, or taken over by another
        /// sweeper (``SpoolLease/check()``): whatever needed it must not happen.
        public static let leaseLost = Code(.leaseLost)
        /// The store could not be reached or would not answer (an object store's transport failure, a 5xx, a
        /// throttling that outlasted the retries, access denied): nothing is known to have changed.
        public static let unavailable = Code(.unavailable)
        /// The spool's configuration cannot be used (an object store's endpoint, bucket, prefix or credentials).
        public static let invalidConfiguration = Code(.invalidConfiguration)
        /// The object changed since this process read it, or appeared where none was read: another writer (a
        /// sweeper that took the lease over, an operator) won the race, and nothing was written. Read it again.
        public static let conflict = Code(.conflict)

        public var description: String { base.rawValue }
    }

    /// What kind of failure this is.
    public let code: Code

    /// Whether the object itself is bad — corrupt, or not a regular file of ours — and belongs in
    /// `quarantine/`. Any other read error (I/O, gone, permissions) may pass; the object stays.
    public var isDamage: Bool { code == .corrupt || code == .unsafe }
    /// What was being done, for example `fsync` or `rename`.
    public let operation: String
    /// The path involved.
    public let path: String
    /// What went wrong, in words.
    public let message: String
    /// The system error, when a system call failed.
    public let errno: Errno?

    package init(code: Code, operation: String, path: String, message: String, errno: Errno? = nil) {
        self.code = code
        self.operation = operation
        self.path = path
        self.message = message
        self.errno = errno
    }

    public var description: String {
        // The path may hold a name read from disk: escaped, it cannot break a log line or drive a terminal.
        let shownPath = LoggedText(path, maxBytes: SpoolFolders.maxLoggedPathBytes)
        var text = "spool \(operation) failed for \(shownPath): \(message)"
        if let errno { text += " (\(errno))" }
        return text
    }

    /// A short, bounded description fit for a metric label: `spool.<code>`.
    public var shortDescription: String { "spool.\(code)" }
}
