extension SpoolObjectFormat.Records {
    /// How many of the queued puts, first come first served, the next object of a group commit takes: at least
    /// one, then as many as fit `maxEvents` events and `maxBytes` bytes of records. A put's events always stay
    /// together, so a single put larger than the limits is still written whole.
    package static func groupCommitCount(
        of queued: some Sequence<SpoolObjectFormat.Records>,
        maxEvents: Int,
        maxBytes: Int
    ) -> Int {
        var count = 0
        var events = 0
        var bytes = 0
        for records in queued {
            if count > 0 && (events + records.eventCount > maxEvents || bytes + records.bytes.count > maxBytes) {
                break
            }
            count += 1
            events += records.eventCount
            bytes += records.bytes.count
        }
        return count
    }
}
