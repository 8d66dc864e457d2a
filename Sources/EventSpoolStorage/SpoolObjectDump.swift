import EventSpoolModel

/// An object read as it is, for a person inspecting it — `spoolctl show` of a quarantined object, as
/// `postcat` shows a queue file: its bytes unchanged, and whatever of them still decodes.
package struct SpoolObjectDump: Sendable, Hashable {
    /// The object's key.
    package var key: SpoolKey
    /// Where the object is.
    package var state: SpoolState
    /// The object's bytes, unchanged.
    package var bytes: [UInt8]
    /// The header, when it is valid.
    package var header: SpoolObjectHeader?
    /// The events that decode, in order, up to the first damaged record.
    package var events: [SpooledEvent]
    /// What is wrong with the object, in the order found; empty for a valid object.
    package var problems: [String]

    package init(
        key: SpoolKey,
        state: SpoolState,
        bytes: [UInt8],
        header: SpoolObjectHeader?,
        events: [SpooledEvent],
        problems: [String]
    ) {
        self.key = key
        self.state = state
        self.bytes = bytes
        self.header = header
        self.events = events
        self.problems = problems
    }

    /// Decodes what it can of `bytes`: the header when it is valid, then the records one by one until the
    /// first bad one — also after a bad header, since a flipped header bit leaves the records readable.
    package init(key: SpoolKey, state: SpoolState, bytes: [UInt8]) {
        var problems: [String] = []
        var header: SpoolObjectFormat.Header?
        do {
            header = try SpoolObjectFormat.decodeHeader(bytes)
        } catch {
            problems.append("header: \(error.reason)")
        }
        if let header, header.recordsLength != UInt64(bytes.count - SpoolObjectFormat.headerSize) {
            problems.append(
                "the header says \(header.recordsLength) bytes of records, the file has "
                    + "\(bytes.count - SpoolObjectFormat.headerSize)"
            )
        }
        var events: [SpooledEvent] = []
        do {
            try SpoolObjectFormat.decodeRecords(bytes, eventCount: header?.eventCount, into: &events)
        } catch {
            problems.append(error.reason)
        }
        self.init(
            key: key,
            state: state,
            bytes: bytes,
            header: header.map {
                SpoolObjectHeader(
                    version: $0.version,
                    eventCount: $0.eventCount,
                    nextAttemptAt: $0.nextAttemptAt,
                    size: bytes.count,
                    orderingKeys: $0.hasOrderingKeys ? nil : []
                )
            },
            events: events,
            problems: problems
        )
    }
}
