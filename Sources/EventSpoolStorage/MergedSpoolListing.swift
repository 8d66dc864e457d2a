/// Several listings of spool objects as one, in key order, streaming like each of them: it holds the next entry
/// of each listing and nothing more. For one key, entries come in the order the listings are given.
///
/// A replay walks `pending/` and `dead/` together this way, so that an event goes after the earlier events of its
/// ordering key wherever they are; a ``LastResortSpool`` lists its primary store and its last resort as one spool.
package struct MergedSpoolListing: AsyncSequence {
    package typealias Element = SpoolEntry
    package typealias Failure = SpoolError

    private let listings: [any AsyncSequence<SpoolEntry, SpoolError>]

    /// The listings to merge, each in key order.
    package init(_ listings: [any AsyncSequence<SpoolEntry, SpoolError>]) {
        self.listings = listings
    }

    package func makeAsyncIterator() -> Iterator {
        Iterator(listings.map { $0.makeAsyncIterator() })
    }

    /// Walks the listings together.
    package struct Iterator: AsyncIteratorProtocol {
        package typealias Element = SpoolEntry
        package typealias Failure = SpoolError

        private var iterators: [any AsyncIteratorProtocol<SpoolEntry, SpoolError>]
        /// The next entry of each listing; `nil` once it is used up. Empty until the first call.
        private var heads: [SpoolEntry?] = []

        init(_ iterators: [any AsyncIteratorProtocol<SpoolEntry, SpoolError>]) {
            self.iterators = iterators
        }

        /// The entry with the smallest key among the listings' next ones; `nil` after the last.
        package mutating func next(isolation actor: isolated (any Actor)?) async throws(SpoolError) -> SpoolEntry? {
            if heads.isEmpty {
                for index in iterators.indices {
                    heads.append(try await iterators[index].next(isolation: actor))
                }
            }
            var first: (index: Int, entry: SpoolEntry)?
            for (index, head) in heads.enumerated() {
                guard let head else { continue }
                if first.map({ head.key < $0.entry.key }) ?? true {
                    first = (index, head)
                }
            }
            guard let first else { return nil }
            heads[first.index] = try await iterators[first.index].next(isolation: actor)
            return first.entry
        }

        package mutating func next() async throws(SpoolError) -> SpoolEntry? {
            try await next(isolation: nil)
        }
    }
}
