import EventSpool
import Foundation

/// Prints the events of a spool as `list` does — a table, or JSON Lines with `--json` — streaming, and
/// counts them for the closing summary line. Past `--limit` it prints no more rows but goes on counting, so
/// the summary can say `3 of 225`; without a filter it counts the rest from object headers alone.
struct EventPrinter {
    /// Which events are printed; `matchesUnreadable` says whether an unreadable object is.
    struct Selection {
        /// Whether the event at `index` of the object `key` in `state` is printed.
        var matches: (_ spooled: SpooledEvent, _ key: SpoolKey, _ state: SpoolState, _ index: Int) -> Bool
        var matchesUnreadable: (SpoolKey) -> Bool
        /// Whether every event of every object is selected: then headers suffice to count.
        var selectsEverything: Bool
    }

    let json: Bool
    let table: EventTable
    let selection: Selection
    let limit: Int?
    let now: Date
    private(set) var summary = ListSummary()
    private var shown = 0

    init(json: Bool, showsState: Bool, selection: Selection, limit: Int?, now: Date) {
        self.json = json
        self.table = EventTable(showsState: showsState)
        self.selection = selection
        self.limit = limit
        self.now = now
    }

    private var isFull: Bool { limit.map { shown >= $0 } ?? false }

    /// Prints the table's header (not in JSON).
    func printHeader() {
        if !json { Output.line(table.header) }
    }

    /// Prints (and counts) the selected events of `state`.
    mutating func print(_ state: SpoolState, of spool: any Spool) async throws(CommandFailure) {
        try await SpoolAccess.forEachEntry(in: state, of: spool) { entry throws(CommandFailure) in
            if isFull && selection.selectsEverything {
                await count(entry, in: state, spool: spool)
                return true
            }
            let size = await SpoolAccess.size(of: entry.key, in: state, spool: spool)
            do throws(SpoolError) {
                let object = try await spool.get(entry.key, in: state)
                printEvents(of: object, size: size)
            } catch let error where error.code == .notFound {
                // Removed since it was listed: a sweeper delivered it.
            } catch {
                let events = await SpoolAccess.eventCount(ofUnreadable: entry.key, in: state, spool: spool)
                printUnreadable(entry, state: state, size: size, events: events, error: error)
            }
            return true
        }
    }

    /// Prints the summary line: on standard output as the table's last line, on standard error with `--json`.
    func printSummary() {
        let text = summary.text(now: now, shown: limit == nil ? nil : shown)
        if json {
            Output.error(text)
        } else {
            Output.line(text)
        }
    }

    private mutating func printEvents(of object: SpoolObject, size: Int) {
        var selected = 0
        for (index, spooled) in object.events.enumerated()
        where selection.matches(spooled, object.key, object.state, index) {
            selected += 1
            summary.addEvent(spooledAt: spooled.delivery.spooledAt)
            guard !isFull else { continue }
            shown += 1
            if json {
                Output.line(EventRow(spooled, key: object.key, state: object.state).jsonLine())
            } else {
                Output.line(table.row(spooled, key: object.key, state: object.state, now: now))
            }
        }
        if selected > 0 { summary.addObject(size: size) }
    }

    /// Prints one row for an object that does not read, counting the `events` its header says it holds.
    private mutating func printUnreadable(
        _ entry: SpoolEntry,
        state: SpoolState,
        size: Int,
        events: Int,
        error: SpoolError
    ) {
        guard selection.matchesUnreadable(entry.key) else { return }
        summary.addObject(size: size)
        summary.addEvents(events, spooledAt: entry.key.time)
        guard !isFull else { return }
        shown += 1
        if json {
            Output.line(EventRow(unreadable: entry.key, state: state, size: size, error: error).jsonLine())
        } else {
            Output.line(table.unreadableRow(entry, state: state, error: error, now: now))
        }
    }

    /// Counts an object past the limit from its header: its events, its size, its age by its key.
    private mutating func count(_ entry: SpoolEntry, in state: SpoolState, spool: any Spool) async {
        guard let header = try? await spool.header(entry.key, in: state) else {
            summary.addObject(size: 0)
            summary.addEvent(spooledAt: entry.key.time)
            return
        }
        summary.addObject(size: header.size)
        summary.addEvents(header.eventCount, spooledAt: entry.key.time)
    }
}
