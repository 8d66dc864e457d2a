import EventSpool
import Synchronization

/// The objects of one state of an ``InMemorySpool`` in key order, streamed: each step looks up the first key
/// after the last one returned, so the listing sees what changed meanwhile as a directory listing would (an
/// object put behind it is not listed, one ahead of it is) and holds no copy of the spool.
struct InMemorySpoolListing: AsyncSequence, Sendable {
    typealias Element = SpoolEntry
    typealias Failure = SpoolError

    let spool: InMemorySpool
    let state: SpoolState
    let prefix: String

    func makeAsyncIterator() -> Iterator {
        Iterator(listing: self)
    }

    struct Iterator: AsyncIteratorProtocol {
        typealias Element = SpoolEntry
        typealias Failure = SpoolError

        let listing: InMemorySpoolListing
        private var last: SpoolKey?

        init(listing: InMemorySpoolListing) {
            self.listing = listing
        }

        mutating func next() async throws(SpoolError) -> SpoolEntry? {
            let (last, state, prefix) = (self.last, listing.state, listing.prefix)
            let key = listing.spool.store.withLock { store -> SpoolKey? in
                store.orderedKeys[state]?.first { key in
                    (last.map { key > $0 } ?? true) && key.rawValue.hasPrefix(prefix)
                }
            }
            guard let key else { return nil }
            self.last = key
            return SpoolEntry(key: key, state: state, path: listing.spool.path(key, in: state))
        }

        mutating func next(isolation actor: isolated (any Actor)?) async throws(SpoolError) -> SpoolEntry? {
            try await next()
        }
    }
}
