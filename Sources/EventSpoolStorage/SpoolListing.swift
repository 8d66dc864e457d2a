/// The objects of one state in key order, streamed: each folder is read on the spool's I/O threads when
/// the previous one is used up, so memory stays flat however many objects there are.
import EventSpoolSystem

struct SpoolListing: AsyncSequence, Sendable {
    typealias Element = SpoolEntry
    typealias Failure = SpoolError

    let walk: SpoolFolderWalk
    let threads: IOThreadPool
    /// Keeps the spool (and so its threads) alive while the listing is in use.
    let owner: any Sendable

    func makeAsyncIterator() -> Iterator {
        Iterator(walk: walk, threads: threads, owner: owner)
    }

    struct Iterator: AsyncIteratorProtocol {
        typealias Element = SpoolEntry
        typealias Failure = SpoolError

        /// `nil` once the walk is finished or failed.
        private var walk: SpoolFolderWalk?
        private let threads: IOThreadPool
        private var entries: [SpoolEntry] = []
        private var index = 0
        private let owner: any Sendable

        init(walk: SpoolFolderWalk, threads: IOThreadPool, owner: any Sendable) {
            self.walk = walk
            self.threads = threads
            self.owner = owner
        }

        mutating func next() async throws(SpoolError) -> SpoolEntry? {
            while index == entries.count {
                guard let current = walk else { return nil }
                walk = nil
                let step = await threads.run { () -> Result<(SpoolFolderWalk, [SpoolEntry]?), SpoolError> in
                    var walk = current
                    do throws(SpoolError) {
                        let entries = try walk.nextFolder()
                        return .success((walk, entries))
                    } catch {
                        return .failure(error)
                    }
                }
                guard let step else {
                    throw .shutDown("list", path: current.directory.displayPath(current.state.rawValue))
                }
                let (next, folder) = try step.get()
                guard let folder else { return nil }
                walk = next
                entries = folder
                index = 0
            }
            defer { index += 1 }
            return entries[index]
        }

        mutating func next(isolation actor: isolated (any Actor)?) async throws(SpoolError) -> SpoolEntry? {
            try await next()
        }
    }
}
