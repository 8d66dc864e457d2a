extension SpoolObjectHeader {
    /// Decodes the fixed-size header at the start of `bytes`, of an object of `size` bytes in all: a truncated or
    /// padded object shows here already, without reading its records.
    ///
    /// - Throws: ``SpoolObjectFormat/FormatError`` when the header is invalid or does not match the size.
    package init(decoding bytes: [UInt8], objectSize size: Int) throws(SpoolObjectFormat.FormatError) {
        let header = try SpoolObjectFormat.decodeHeader(bytes)
        guard header.recordsLength == UInt64(max(0, size - SpoolObjectFormat.headerSize)) else {
            throw SpoolObjectFormat.FormatError(
                "the header says \(header.recordsLength) bytes of records, the object has "
                    + "\(max(0, size - SpoolObjectFormat.headerSize))"
            )
        }
        self.init(
            version: header.version,
            eventCount: header.eventCount,
            nextAttemptAt: header.nextAttemptAt,
            size: size,
            // Known to be none when the flag is clear; otherwise only a full read tells which.
            orderingKeys: header.hasOrderingKeys ? nil : []
        )
    }
}
