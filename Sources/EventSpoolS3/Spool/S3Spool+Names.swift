import EventSpoolModel
import EventSpoolStorage
import Logging

// Where each thing lives in the bucket, below the configured prefix (docs/s3.md):
// `pending/<key>.evs`, `dead/<key>.evs`, `quarantine/<key>[~n].evs`, `ordering/<sha256>`, `sweeper.lease`.
// Flat, not in dated folders as on disk: a bucket has no folders to keep small, and the flat names list in key
// order all the same.
extension S3Spool {
    public func list(_ state: SpoolState, prefix: String) -> any AsyncSequence<SpoolEntry, SpoolError> {
        S3SpoolListing(spool: self, state: state, prefix: prefix)
    }

    /// The object name (below the configured prefix) of `key` in `state`.
    func objectName(_ key: SpoolKey, in state: SpoolState) -> String {
        "\(state.rawValue)/\(key.rawValue)\(Self.objectSuffix)"
    }

    /// The full key prefix of the objects of `state` whose spool keys start with `keyPrefix`.
    func objectName(state: SpoolState, keyPrefix: String) -> String {
        client.key("\(state.rawValue)/\(keyPrefix)")
    }

    /// The spool entry of a listed object, or `nil` (with a warning) for a name the spool did not write.
    func entry(forObject fullKey: String, in state: SpoolState) -> SpoolEntry? {
        guard let key = spoolKey(ofObject: fullKey, in: state) else { return foreign(fullKey) }
        return SpoolEntry(key: key, state: state, path: objectName(key, in: state))
    }

    /// The spool key of a listed object in `state`, or `nil` for a name the spool did not write.
    func spoolKey(ofObject fullKey: String, in state: SpoolState) -> SpoolKey? {
        let folder = client.key("\(state.rawValue)/")
        guard fullKey.hasPrefix(folder), fullKey.hasSuffix(Self.objectSuffix) else { return nil }
        let name = fullKey.dropFirst(folder.count).dropLast(Self.objectSuffix.count)
        guard let key = SpoolKey(String(name)), state == .quarantine || key.quarantineNumber == nil else { return nil }
        return key
    }

    private func foreign(_ fullKey: String) -> SpoolEntry? {
        logger.warning(
            "skipping an object the spool did not write",
            metadata: ["spool.location": "\(location)", "s3.key": "\(LoggedText(fullKey, maxBytes: 256))"]
        )
        return nil
    }

    /// The file name extension of spool objects, as on disk.
    static let objectSuffix = ".evs"

    /// A spool error for a failed store request: a conflict is `.alreadyExists`, a missing object `.notFound`,
    /// anything else `.unavailable` — the store's words, never a credential (``S3Error`` has none).
    func failure(_ error: S3Error, _ operation: String, _ name: String) -> SpoolError {
        let code: SpoolError.Code =
            switch error.code {
            case .notFound: .notFound
            case .conflict: .alreadyExists
            case .invalidConfiguration, .invalidKey: .invalidConfiguration
            default: .unavailable
            }
        return SpoolError(code: code, operation: operation, path: path(name), message: error.description)
    }

    /// Calls `body` with every object whose name (below the prefix) starts with `folder`, page by page.
    func forEachObject(
        in folder: String,
        startAfter: String? = nil,
        _ operation: String,
        _ body: (S3ObjectSummary) throws(SpoolError) -> Void
    ) async throws(SpoolError) {
        var objects = client.objects(prefix: client.key(folder), startAfter: startAfter.map(client.key))
            .makeAsyncIterator()
        while true {
            let summary: S3ObjectSummary?
            do {
                summary = try await objects.next()
            } catch {
                throw failure(error, operation, folder)
            }
            guard let summary else { return }
            try body(summary)
        }
    }

    /// The object `name` (below the prefix) as an address for messages: `s3://bucket/<prefix>/<name>`.
    func path(_ name: String) -> String {
        "s3://\(store.bucket)/\(client.key(name))"
    }
}
