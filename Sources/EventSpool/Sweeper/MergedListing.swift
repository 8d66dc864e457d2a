import EventSpoolStorage

/// The objects of several states of a spool as one listing in key order, streaming like each of them; for
/// one key, in the order of `states`. A replay walks `pending/` and `dead/` together this way, so that an
/// event goes after the earlier events of its ordering key wherever they are.
struct MergedListing {
    private var iterators: [any AsyncIteratorProtocol<SpoolEntry, SpoolError>]
    /// The next entry of each listing; `nil` once it is used up.
    private var heads: [SpoolEntry?] = []

    init(_ spool: any Spool, states: [SpoolState]) {
        iterators = states.map { spool.list($0).makeAsyncIterator() }
    }

    /// The entry with the smallest key among the listings' next ones; `nil` after the last.
    mutating func next() async throws -> SpoolEntry? {
        if heads.isEmpty {
            for index in iterators.indices {
                heads.append(try await iterators[index].next())
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
        heads[first.index] = try await iterators[first.index].next()
        return first.entry
    }
}
