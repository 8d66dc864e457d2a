import EventSpoolModel
import EventSpoolStorage

/// The objects of one state of an ``S3Spool`` in key order, streamed page by page (`ListObjectsV2`): memory
/// holds one page however many objects there are. A key the spool did not write (a foreign object under the
/// prefix) is skipped with a warning, never handed on.
struct S3SpoolListing: AsyncSequence, Sendable {
    typealias Element = SpoolEntry
    typealias Failure = SpoolError

    let spool: S3Spool
    let state: SpoolState
    /// Only keys that start with this text (a key prefix such as `20261127T23`).
    let prefix: String

    func makeAsyncIterator() -> Iterator {
        Iterator(listing: self)
    }

    struct Iterator: AsyncIteratorProtocol {
        typealias Element = SpoolEntry
        typealias Failure = SpoolError

        private let listing: S3SpoolListing
        private var objects: S3ObjectListing.Iterator

        init(listing: S3SpoolListing) {
            self.listing = listing
            objects = listing.spool.client.objects(
                prefix: listing.spool.objectName(state: listing.state, keyPrefix: listing.prefix)
            )
            .makeAsyncIterator()
        }

        mutating func next() async throws(SpoolError) -> SpoolEntry? {
            while true {
                let summary: S3ObjectSummary?
                do {
                    summary = try await objects.next()
                } catch {
                    throw listing.spool.failure(error, "list", listing.state.rawValue)
                }
                guard let summary else { return nil }
                if let entry = listing.spool.entry(forObject: summary.key, in: listing.state) { return entry }
            }
        }

        mutating func next(isolation actor: isolated (any Actor)?) async throws(SpoolError) -> SpoolEntry? {
            try await next()
        }
    }
}
