/// One line of the table, and the raw numbers behind it.
struct RowResult: Sendable {
    var kind: BenchRowKind
    var name: String
    var eventSpool: String
    var baseline: String
    var ratio: String
    var target: String
    /// Whether the target is met; `nil` when the row could not be judged (a side did not run).
    var met: Bool?
    /// Every round's numbers, and what was verified along the way.
    var raw: [String] = []

    /// A row that could not run, with the reason in place of the numbers.
    static func notRun(_ kind: BenchRowKind, _ name: String, target: String, reason: String) -> RowResult {
        RowResult(
            kind: kind,
            name: name,
            eventSpool: "not run",
            baseline: "—",
            ratio: "—",
            target: target,
            met: nil,
            raw: ["\(name): not run: \(reason)"]
        )
    }
}

/// The table: row | EventSpool | baseline | ratio | target | met?, as Markdown with aligned columns.
enum ResultTable {
    static func render(_ rows: [RowResult]) -> String {
        let header = ["row", "EventSpool", "baseline", "ratio", "target", "met?"]
        let cells = rows.map { row in
            [row.name, row.eventSpool, row.baseline, row.ratio, row.target, row.met.map { $0 ? "yes" : "NO" } ?? "—"]
        }
        let widths = header.indices.map { column in
            ([header] + cells).map { $0[column].count }.max() ?? 0
        }
        func line(_ values: [String]) -> String {
            "| "
                + zip(values, widths).map { $0 + String(repeating: " ", count: $1 - $0.count) }
                .joined(separator: " | ") + " |"
        }
        let rule = "|" + widths.map { String(repeating: "-", count: $0 + 2) }.joined(separator: "|") + "|"
        return ([line(header), rule] + cells.map(line)).joined(separator: "\n")
    }
}
