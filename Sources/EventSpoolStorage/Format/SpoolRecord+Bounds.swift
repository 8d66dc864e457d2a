import EventSpoolModel

import struct Foundation.Date

extension SpoolRecord {
    /// Checks that every value of a record lies where EventSpool's own writers keep it: the event passes
    /// ``Event/validate(maxBodyBytes:)`` (ids, lengths, header-safe text, at most ``Event/maxExtensions``
    /// extensions, a time in the years 0001–9999), every delivery time lies in those years too, `attempts` in
    /// 0…``DeliveryRecord/maxAttempts``, at most ``DeliveryRecord/maxHistory`` history entries, statuses of three
    /// digits (0…999), error messages of one line of at most ``AttemptError/maxMessageBytes``, a dead reason of at most
    /// ``DeliveryRecord/maxDeadReasonBytes``.
    ///
    /// The reader calls it on every record, so a valid-framed object with an absurd value (a time of 1e300
    /// seconds, `Int64.max` attempts) is corruption — quarantined, never a trap further on. The writer calls it
    /// too, so that nothing is written that could not be read back.
    ///
    /// - Parameter record: Names the record in error messages, for example `record 2 of 5`.
    static func checkBounds(
        _ spooled: SpooledEvent,
        record: @autoclosure () -> String
    ) throws(SpoolObjectFormat.FormatError) {
        do {
            // The record's own limit bounds the body; a publisher's smaller `maxBodyBytes` is its own business.
            try spooled.event.validate(maxBodyBytes: SpoolObjectFormat.maxRecordBytes)
        } catch {
            throw SpoolObjectFormat.FormatError("\(record()) holds an \(error)")
        }
        let delivery = spooled.delivery
        func field(_ name: String) -> String { "\(record()) field \(name)" }
        try checkTime(delivery.spooledAt, field("spooledAt"))
        try checkTime(delivery.nextAttemptAt, field("nextAttemptAt"))
        if let time = delivery.firstAttemptAt { try checkTime(time, field("firstAttemptAt")) }
        if let time = delivery.lastAttemptAt { try checkTime(time, field("lastAttemptAt")) }
        guard delivery.attempts >= 0 && delivery.attempts <= DeliveryRecord.maxAttempts else {
            throw SpoolObjectFormat.FormatError(
                "\(field("attempts")) is \(delivery.attempts), outside 0…\(DeliveryRecord.maxAttempts)"
            )
        }
        guard delivery.history.count <= DeliveryRecord.maxHistory else {
            throw SpoolObjectFormat.FormatError(
                "\(record()) has \(delivery.history.count) attempts in its history, more than "
                    + "\(DeliveryRecord.maxHistory)"
            )
        }
        for attempt in delivery.history {
            try checkTime(attempt.time, field("attempt"))
            if let error = attempt.error { try checkError(error, field("attempt")) }
        }
        if let error = delivery.lastError { try checkError(error, field("lastError")) }
        if let reason = delivery.deadReason, reason.utf8.count > DeliveryRecord.maxDeadReasonBytes {
            throw SpoolObjectFormat.FormatError(
                "\(field("deadReason")) is \(reason.utf8.count) bytes, more than \(DeliveryRecord.maxDeadReasonBytes)"
            )
        }
    }

    /// A time in the years 0001–9999, the range every time display and duration can hold.
    private static func checkTime(
        _ time: Date,
        _ what: @autoclosure () -> String
    ) throws(SpoolObjectFormat.FormatError) {
        guard Event.isRepresentable(time) else {
            throw SpoolObjectFormat.FormatError(
                "\(what()) is \(time.timeIntervalSince1970) s since 1970, outside the years 0001–9999"
            )
        }
    }

    /// A status of three digits (what a status line holds, valid or not) and a message as
    /// ``AttemptError/init(status:message:)`` makes it.
    static func checkError(
        _ error: AttemptError,
        _ what: @autoclosure () -> String
    ) throws(SpoolObjectFormat.FormatError) {
        if let status = error.status, !(0...999).contains(status) {
            throw SpoolObjectFormat.FormatError("\(what()) has the status \(status), not three digits")
        }
        try checkMessage(error.message, what())
    }

    /// One line of at most ``AttemptError/maxMessageBytes``: what an attempt error's message always is.
    static func checkMessage(
        _ message: String,
        _ what: @autoclosure () -> String
    ) throws(SpoolObjectFormat.FormatError) {
        guard message.utf8.count <= AttemptError.maxMessageBytes else {
            throw SpoolObjectFormat.FormatError(
                "\(what()) has a message of \(message.utf8.count) bytes, more than \(AttemptError.maxMessageBytes)"
            )
        }
        guard !message.utf8.contains(where: { $0 == 0x0A || $0 == 0x0D }) else {
            throw SpoolObjectFormat.FormatError("\(what()) has a message of more than one line")
        }
    }
}
