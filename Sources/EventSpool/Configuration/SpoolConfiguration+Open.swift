import EventSpoolModel
import EventSpoolS3
public import EventSpoolStorage
public import Logging

extension SpoolConfiguration {
    /// Opens the spool this configuration describes: a ``DirectorySpool`` in ``directory``, or, with an
    /// ``objectStore``, an S3 spool in its bucket — with ``directory`` as its local last resort
    /// (``LastResortSpool``) unless it is empty.
    ///
    /// ``Publisher/init(configuration:clock:logger:)`` and ``Sweeper/init(configuration:clock:randomNumberGenerator:logger:)``
    /// open their spool with it; a service that runs both in one process opens the spool once and gives it to both.
    /// Call ``Spool/shutdown()`` when done.
    ///
    /// - Parameters:
    ///   - clock: The wall clock for keys (and an object store's lease).
    ///   - logger: Where the spool logs.
    /// - Throws: ``SpoolError`` when a spool cannot be opened: the directory is unusable, or the object store's
    ///   settings are (`.invalidConfiguration`, never naming a secret).
    public func open(clock: any WallClock = SystemWallClock(), logger: Logger) throws(SpoolError) -> any Spool {
        guard let objectStore else {
            return try DirectorySpool(configuration: self, clock: clock, logger: logger)
        }
        for warning in objectStore.credentials?.fileWarnings ?? [] {
            logger.warning("\(warning)", metadata: ["spool.location": "\(objectStore.location)"])
        }
        guard !directory.isEmpty else { return try S3Spool(configuration: self, clock: clock, logger: logger) }
        var local = self
        local.objectStore = nil
        // The directory first: if the store's settings are then refused, dropping it stops its threads.
        let lastResort = try DirectorySpool(configuration: local, clock: clock, logger: logger)
        let store = try S3Spool(configuration: self, clock: clock, logger: logger)
        return LastResortSpool(primary: store, lastResort: lastResort)
    }
}
