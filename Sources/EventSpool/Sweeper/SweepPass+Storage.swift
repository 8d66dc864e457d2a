import EventSpoolModel
import EventSpoolStorage
import Logging

/// Every call a pass makes to its spool, in one place: the listing, the reads of the object being visited, the
/// quarantine of a damaged one, and the settlement writes. Each write first checks that the pass still holds
/// the sweeper's lease (the machine checks it before each delivery): without it, another sweeper may own the
/// spool by now.
extension SweepPass {
    /// Reads the ordering keys of the held events, before anything is listed.
    func readHeldOrderingKeys() async -> HeldOrderingKeys {
        await HeldOrderingKeys.read(from: spool, logger: logger)
    }

    /// Takes the next listed object and does the reads and writes the machine asks for it.
    func visitNextObject(_ listing: inout SweepListing) async {
        let entry: (key: SpoolKey, state: SpoolState)?
        do {
            entry = try await listing.next()
        } catch {
            let states = listing.currentStates
            logger.info("cannot list the spool", metadata: ["spool.state": "\(states)", "error": "\(error)"])
            machine.listingFailed(states, error)
            listing.skipCurrentSource()
            return
        }
        guard let entry else {
            machine.listingEnded()
            return
        }
        var step = machine.listed(entry.key, in: entry.state)
        while true {
            switch step {
            case .readHeader(let key, let state):
                do throws(SpoolError) {
                    step = machine.headerRead(try await spool.header(key, in: state))
                } catch {
                    logUnreadable(key, error)
                    step = machine.headerUnreadable(error)
                }
            case .readObject(let key, let state):
                do throws(SpoolError) {
                    step = machine.objectRead(try await spool.get(key, in: state))
                } catch {
                    logUnreadable(key, error)
                    step = machine.objectUnreadable(error)
                }
            case .quarantine(let key, let state, let damage):
                step = holdsLease ? await quarantine(key, in: state, because: damage) : machine.quarantineFailed(damage)
            case .done:
                return
            }
        }
    }

    /// Starts the writes that settle an object, in a child task.
    /// Without the lease the object is left as it is: its delivered events are sent again by the next holder
    /// (at-least-once).
    func startSettlement(_ number: Int, _ settlement: ObjectSettlement, in group: inout TaskGroup<ChildResult>) {
        guard holdsLease else {
            machine.settlementAbandoned(number)
            return
        }
        let spool = spool
        let logger = logger
        group.addTask {
            .settled(number, settlement, await settlement.apply(to: spool, logger: logger))
        }
    }

    /// Moves a damaged object to `quarantine/`.
    private func quarantine(
        _ key: SpoolKey,
        in state: SpoolState,
        because damage: SpoolError
    ) async -> StateMachine.ReadAction {
        do throws(SpoolError) {
            let quarantined = try await spool.quarantine(key, from: state)
            logger.info(
                "object quarantined",
                metadata: [
                    "spool.key": "\(key)", "spool.state": "\(state)", "spool.quarantineKey": "\(quarantined)",
                    "error": "\(damage)",
                ]
            )
            return machine.quarantined(as: quarantined, because: damage)
        } catch {
            logger.info("cannot quarantine an object", metadata: ["spool.key": "\(key)", "error": "\(error)"])
            return machine.quarantineFailed(damage)
        }
    }

    /// Whether the pass may still write: it holds the sweeper's lease (a dry run needs none).
    var holdsLease: Bool { lease?.isValid ?? true }

    /// Logs a read error that is not damage (damage is logged when quarantined) and not a vanished object.
    private func logUnreadable(_ key: SpoolKey, _ error: SpoolError) {
        guard error.code != .notFound, !error.isDamage else { return }
        logger.info(
            "cannot read an object; left for the next pass",
            metadata: ["spool.key": "\(key)", "error": "\(error)"]
        )
    }
}

/// The objects of a pass's sources, one source after the other, each streaming.
struct SweepListing {
    private enum Current {
        case listing(MergedSpoolListing.Iterator, [SpoolState])
        case objects(IndexingIterator<[(SpoolKey, SpoolState)]>)
    }

    private let spool: any Spool
    private var sources: ArraySlice<SweepPass.Source>
    private var current: Current?

    init(_ spool: any Spool, _ sources: [SweepPass.Source]) {
        self.spool = spool
        self.sources = sources[...]
    }

    /// The states the current source lists, for an error message.
    var currentStates: String {
        guard case .listing(_, let states) = current else { return "" }
        return states.map(\.rawValue).joined(separator: "/ and ")
    }

    /// The next object; `nil` after the last of the last source.
    mutating func next() async throws -> (key: SpoolKey, state: SpoolState)? {
        while true {
            switch current {
            case nil:
                guard let source = sources.popFirst() else { return nil }
                switch source {
                case .listing(let states):
                    // One listing of several states, in key order: an event goes after the earlier events of its
                    // ordering key wherever they are.
                    let listing = MergedSpoolListing(states.map { spool.list($0) })
                    current = .listing(listing.makeAsyncIterator(), states)
                case .objects(let objects):
                    current = .objects(objects.makeIterator())
                }
                continue
            case .listing(var listing, let states):
                let entry = try await listing.next()
                current = .listing(listing, states)
                if let entry { return (entry.key, entry.state) }
            case .objects(var iterator):
                let object = iterator.next()
                current = .objects(iterator)
                if let object { return object }
            }
            current = nil
        }
    }

    /// Leaves the current source (its listing failed) for the next one.
    mutating func skipCurrentSource() {
        current = nil
    }
}
