import EventSpool

extension ConfigurationSchema {
    /// The key or scope (`broker`, `spool.directory`) that the unknown dotted `key` likely means: a typo of it
    /// (see ``Spelling``), or the one name it begins (`spool.dir` → `spool.directory`).
    static func suggestion(forKey key: String) -> String? {
        likely(key, among: keys.map(\.path) + scopePaths)
    }

    /// The variable that the unknown `EVENTSPOOL_*` variable `name` likely means.
    static func suggestion(forVariable name: String) -> String? {
        likely(name, among: keys.map(\.environmentVariable))
    }

    private static func likely(_ text: String, among candidates: [String]) -> String? {
        if let typo = Spelling.closest(to: text, among: candidates) { return typo }
        // A name cut short: the one candidate it begins, if only one does.
        let lowered = text.lowercased()
        let longer = candidates.filter { $0.lowercased().hasPrefix(lowered) }
        return longer.count == 1 ? longer.first : nil
    }
}
