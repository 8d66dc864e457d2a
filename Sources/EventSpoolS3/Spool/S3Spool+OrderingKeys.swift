import EventSpoolModel
import EventSpoolStorage
import Logging
import Synchronization

import struct Foundation.Date

// Ordering-key marks as small objects under `ordering/`, written with conditional writes instead of the directory
// spool's locks (docs/s3.md, "Ordering keys"):
// - a put reads its keys' marks, takes a key after the object keys they record, marks them `writing <key>`
//   (If-Match the version read, or create), creates its object, then marks them `written`;
// - a sweeper's release removes a mark only if it is `written`, the key had no event in the pass, and the mark is
//   the very version listed before the pass (DELETE If-Match): a put since changed its ETag. A `writing` mark is
//   removed only once it is older than a put can take and its object does not exist (its writer died).
extension S3Spool {
    /// The marks of one put's ordering keys, with the versions read.
    struct MarkSet: Sendable {
        var names: [String] = []
        var etags: [String: S3ETag] = [:]
        /// The newest object key the marks record.
        var newestObjectKey: SpoolKey?
    }

    /// The name of an ordering key's mark: the SHA-256 of the key, so any key makes a valid object name.
    func markName(_ orderingKey: String) -> String {
        "ordering/" + S3Digest.sha256Hex(Array(orderingKey.utf8))
    }

    func readMarks(_ orderingKeys: Set<String>, deadline: ContinuousClock.Instant) async throws(SpoolError) -> MarkSet {
        var marks = MarkSet()
        for orderingKey in orderingKeys.sorted() {
            let name = markName(orderingKey)
            marks.names.append(name)
            guard
                case .found(let object) = try await call(
                    "put",
                    name,
                    { try await $0.get($0.key(name), deadline: deadline) }
                )
            else { continue }
            marks.etags[name] = object.etag
            marks.newestObjectKey = SpoolKey.later(
                marks.newestObjectKey,
                S3OrderingMark(bytes: object.bytes)?.objectKey
            )
        }
        return marks
    }

    /// Writes every mark of `marks` as `state` for `objectKey`, each over the version read.
    ///
    /// - Returns: `false` when another put changed a mark first (`writing`: stop and read again); for `written`
    ///   such a mark is left to the newer put and the others are still written.
    func writeMarks(
        _ marks: inout MarkSet,
        state: S3OrderingMark.State,
        objectKey: SpoolKey,
        deadline: ContinuousClock.Instant?
    ) async throws(SpoolError) -> Bool {
        var allWritten = true
        for name in marks.names {
            let bytes = S3OrderingMark(state: state, objectKey: objectKey).bytes
            do {
                marks.etags[name] = try await write(bytes, to: name, over: marks.etags[name], "put")
            } catch  where error.code == .conflict {
                allWritten = false
                if state == .writing { return false }
            }
        }
        return allWritten
    }

    public func hasWaitingEvents(orderingKey: String) async throws(SpoolError) -> Bool {
        let name = markName(orderingKey)
        if case .found = try await call("hasWaitingEvents", name, { try await $0.head($0.key(name)) }) { return true }
        return false
    }

    public func beginOrderingKeyRelease() async throws(SpoolError) {
        var snapshot: [String: S3ETag] = [:]
        let folder = client.key("ordering/")
        try await forEachObject(in: "ordering/", "beginOrderingKeyRelease") { summary in
            snapshot["ordering/" + summary.key.dropFirst(folder.count)] = summary.etag
        }
        releaseSnapshot.withLock { $0 = snapshot }
    }

    public func releaseOrderingKeys(keeping: Set<String>) async throws(SpoolError) {
        guard let snapshot = releaseSnapshot.withLock({ $0.take() }) else { return }
        let kept = Set(keeping.map(markName))
        for (name, etag) in snapshot.sorted(by: { $0.key < $1.key }) where !kept.contains(name) {
            try await releaseMark(name, listedAs: etag)
        }
        // A key with events waiting keeps a mark, also one whose mark went missing.
        for name in kept.sorted() where snapshot[name] == nil {
            _ = try? await write(S3OrderingMark(state: .written, objectKey: nil).bytes, to: name, over: nil, "release")
        }
    }

    /// Removes one mark if it is still the version listed before the pass and no put is under way for it.
    private func releaseMark(_ name: String, listedAs etag: S3ETag) async throws(SpoolError) {
        guard case .found(let object) = try await call("release", name, { try await $0.get($0.key(name)) }),
            object.etag == etag
        else { return }  // gone, or changed by a put since the listing: kept
        guard let mark = S3OrderingMark(bytes: object.bytes) else {
            logger.warning("keeping an ordering mark that does not read as one", metadata: ["s3.key": "\(path(name))"])
            return
        }
        if mark.state == .writing {
            guard let lastModified = object.lastModified, let serverDate = object.serverDate,
                serverDate.timeIntervalSince(lastModified) > Self.seconds(Self.abandonedMarkAge)
            else { return }  // a put may still be creating its object
            if let objectKey = mark.objectKey {
                let objectName = objectName(objectKey, in: .pending)
                if case .found = try await call("release", objectName, { try await $0.head($0.key(objectName)) }) {
                    return  // the object is there after all: the next pass will keep the key
                }
            }
        }
        _ = try? await call("release", name, { try await $0.deleteIfMatch($0.key(name), etag: etag) })
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
    }
}
