import EventSpoolStorage
import Synchronization

// The conditional writes every change goes through, and one store request as a spool operation.
extension S3Spool {
    /// Writes `bytes` to `name` over the version `etag` (`If-Match`), or creates it when `etag` is `nil`.
    ///
    /// - Returns: The new version.
    /// - Throws: ``SpoolError/Code/conflict`` when another writer changed or created the object.
    func write(
        _ bytes: [UInt8],
        to name: String,
        over etag: S3ETag?,
        _ operation: String
    ) async throws(SpoolError)
        -> S3ETag
    {
        if let etag {
            switch try await call(operation, name, { try await $0.putIfMatch($0.key(name), bytes: bytes, etag: etag) })
            {
            case .replaced(let receipt): return receipt.etag
            case .lost: throw conflict(operation, name, "the object changed since this spool read it")
            }
        }
        switch try await call(operation, name, { try await $0.putIfAbsent($0.key(name), bytes: bytes) }) {
        case .created(let receipt): return receipt.etag
        case .exists: throw conflict(operation, name, "an object is there that this spool has not read")
        }
    }

    /// Writes `bytes` over the version of `name` read last, or over the store's current version when none was.
    func replaceVersion(of name: String, with bytes: [UInt8]) async throws(SpoolError) -> S3ETag {
        if let etag = versions.withLock({ $0[name] }) {
            // A conflict keeps the version: every later write fails too, until the object is read again.
            return try await write(bytes, to: name, over: etag, "replace")
        }
        for _ in 0..<5 {
            let current = try await call("replace", name, { try await $0.head($0.key(name)) })
            let etag: S3ETag? = if case .found(let info) = current { info.etag } else { nil }
            do {
                return try await write(bytes, to: name, over: etag, "replace")
            } catch  where error.code == .conflict {
                continue  // changed between the HEAD and the write: look again
            }
        }
        throw conflict("replace", name, "the object kept changing under concurrent writers (5 attempts)")
    }

    /// The version of `name` this spool read last, or the one the store has now.
    func version(of name: String, _ operation: String) async throws(SpoolError) -> S3ETag {
        if let etag = versions.withLock({ $0[name] }) { return etag }
        guard case .found(let info) = try await call(operation, name, { try await $0.head($0.key(name)) }) else {
            throw SpoolError(code: .notFound, operation: operation, path: path(name), message: "no such object")
        }
        return info.etag
    }

    /// Deletes the version `etag` of `name` (`DELETE If-Match`).
    func deleteVersion(of name: String, etag: S3ETag, _ operation: String) async throws(SpoolError) {
        defer { versions.withLock { $0.record(nil, for: name) } }
        switch try await call(operation, name, { try await $0.deleteIfMatch($0.key(name), etag: etag) }) {
        case .deleted: return
        case .lost:
            if case .notFound = try await call(operation, name, { try await $0.head($0.key(name)) }) {
                throw SpoolError(code: .notFound, operation: operation, path: path(name), message: "no such object")
            }
            throw conflict(operation, name, "the object changed since this spool read it; it was not removed")
        }
    }

    func conflict(_ operation: String, _ name: String, _ message: String) -> SpoolError {
        SpoolError(code: .conflict, operation: operation, path: path(name), message: message)
    }

    /// Runs one store request for `operation` on `name`, its failure turned into a ``SpoolError``.
    ///
    /// The request's error type is left open so that a one-line closure needs no annotation; the client throws
    /// nothing but ``S3Error``.
    func call<Result>(
        _ operation: String,
        _ name: String,
        _ request: (S3Client) async throws -> Result
    ) async throws(SpoolError) -> Result {
        do {
            return try await request(client)
        } catch let error as S3Error {
            throw failure(error, operation, name)
        } catch {
            throw SpoolError(code: .unavailable, operation: operation, path: path(name), message: "\(error)")
        }
    }
}
