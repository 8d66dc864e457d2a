import EventSpool
import Foundation

/// The fixed-width table `list` and `replay --dry-run` print; fixed widths because rows are printed as they
/// are read. With several states listed, a STATE column says where each event is.
struct EventTable {
    /// Whether rows carry the STATE column.
    var showsState: Bool

    var header: String {
        (showsState ? Self.pad("STATE", 10) + "  " : "") + Self.pad("ID", 36) + "  " + Self.pad("TYPE", 28) + "  "
            + Self.pad("AGE", 6) + "  " + Self.pad("TRIES", 5) + "  " + Self.pad("NEXT", 9) + "  LAST ERROR"
    }

    func row(_ spooled: SpooledEvent, key: SpoolKey, state: SpoolState, now: Date) -> String {
        let delivery = spooled.delivery
        let next: String
        switch state {
        case .pending: next = TimeText.until(delivery.nextAttemptAt, now: now)
        case .held: next = "held"
        case .dead: next = "dead"
        case .quarantine: next = "-"
        }
        // Values read from the spool are escaped (``LoggedText``): a control character in a valid-framed
        // object must not move the cursor, clear the screen or forge a row on the operator's terminal.
        let problem = EventRow(spooled, key: key, state: state).problem.map { "\(LoggedText($0))" } ?? "-"
        return stateColumn(state) + Self.pad("\(LoggedText(spooled.event.id))", 36) + "  "
            + Self.pad("\(LoggedText(spooled.event.type))", 28) + "  "
            + Self.pad(TimeText.age(of: delivery.spooledAt, now: now), 6) + "  " + Self.pad("\(delivery.attempts)", 5)
            + "  " + Self.pad(next, 9) + "  " + problem
    }

    /// An object whose events cannot be read: its key, age and why.
    func unreadableRow(_ entry: SpoolEntry, state: SpoolState, error: SpoolError, now: Date) -> String {
        stateColumn(state) + "\(entry.key)  \(TimeText.age(of: entry.key.time, now: now))  "
            + "unreadable object in \(state)/: \(error.message)"
    }

    private func stateColumn(_ state: SpoolState) -> String {
        showsState ? Self.pad(state.rawValue, 10) + "  " : ""
    }

    /// `text` cut or padded to `width` characters.
    static func pad(_ text: String, _ width: Int) -> String {
        if text.count > width { return String(text.prefix(width - 1)) + "…" }
        return text + String(repeating: " ", count: width - text.count)
    }
}

/// The closing line of `list`: counts, bytes and the oldest age, like mailq's; with `--limit`, how many of
/// how many were shown.
struct ListSummary {
    var events = 0
    var objects = 0
    var bytes = 0
    var oldest: Date?

    mutating func addObject(size: Int) {
        objects += 1
        bytes += size
    }

    mutating func addEvent(spooledAt date: Date) {
        addEvents(1, spooledAt: date)
    }

    /// Counts `count` events spooled at `date`: those of an unreadable object, from its header.
    mutating func addEvents(_ count: Int, spooledAt date: Date) {
        events += count
        if oldest.map({ date < $0 }) ?? true { oldest = date }
    }

    /// `-- 5 events in 5 objects, 1.2 KiB, oldest 3m`; `shown` (under `--limit`) adds `3 of 5 … shown`.
    func text(now: Date, shown: Int? = nil) -> String {
        guard events > 0 else { return "-- 0 events" }
        let oldestText = oldest.map { ", oldest \(TimeText.age(of: $0, now: now))" } ?? ""
        let counts =
            "\(events) event\(events == 1 ? "" : "s") in \(objects) object\(objects == 1 ? "" : "s"), "
            + "\(ByteText.format(bytes))\(oldestText)"
        guard let shown, shown < events else { return "-- " + counts }
        return "-- \(shown) of \(events) events shown (--limit \(shown)); \(counts)"
    }
}
