import EventSpoolModel

/// Where and how events are spooled when the broker cannot take them.
public struct SpoolConfiguration: Sendable, Hashable {
    /// Limits that keep a long outage from filling the disk. When one is reached, spooling throws.
    public struct Limits: Sendable, Hashable {
        /// The most bytes of objects in `pending/`.
        public var maxBytes: Int64
        /// The most objects in `pending/`.
        public var maxObjects: Int

        public init(maxBytes: Int64 = 1 << 30, maxObjects: Int = 1_000_000) {
            self.maxBytes = maxBytes
            self.maxObjects = maxObjects
        }
    }

    /// The spool directory; created (mode 0700) when missing. With an ``objectStore`` it is the local last
    /// resort, and an empty one turns that off.
    public var directory: String
    /// The S3-compatible bucket that holds the spool, or `nil` to spool to ``directory`` (`spool.backend`).
    public var objectStore: ObjectStore?
    /// Size limits for `pending/`.
    public var limits: Limits
    /// The most events one group commit writes into one object.
    public var maxEventsPerObject: Int
    /// Files in `tmp/` older than this are leftovers of a crashed writer and are removed.
    public var staleTemporaryFileAge: Duration
    /// Accept a spool directory owned by another user or writable by others. Off by default.
    public var allowUnsafePermissions: Bool

    /// Creates a spool configuration.
    ///
    /// - Parameters:
    ///   - directory: The spool directory.
    ///   - limits: Size limits for `pending/`.
    ///   - maxEventsPerObject: The most events one group commit writes into one object.
    ///   - staleTemporaryFileAge: The age after which `tmp/` leftovers are removed.
    ///   - allowUnsafePermissions: Accept a directory owned by another user or writable by others.
    ///   - objectStore: The bucket that holds the spool instead of `directory`, or `nil`.
    public init(
        directory: String,
        limits: Limits = Limits(),
        maxEventsPerObject: Int = 64,
        staleTemporaryFileAge: Duration = .seconds(3600),
        allowUnsafePermissions: Bool = false,
        objectStore: ObjectStore? = nil
    ) {
        self.directory = directory
        self.limits = limits
        self.maxEventsPerObject = maxEventsPerObject
        self.staleTemporaryFileAge = staleTemporaryFileAge
        self.allowUnsafePermissions = allowUnsafePermissions
        self.objectStore = objectStore
    }
}
