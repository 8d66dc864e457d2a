import struct Foundation.Date

extension Event {
    /// The default largest body accepted: 1 MiB.
    public static let defaultMaxBodyBytes = 1 << 20

    /// Attribute names that CloudEvents reserves, which an extension must not reuse.
    static let reservedAttributeNames: Set<String> = [
        "id", "source", "specversion", "type", "datacontenttype", "dataschema", "subject", "time", "data",
        "data_base64", "traceparent", "tracestate",
    ]

    /// The most extension attributes an event may have: each becomes a `ce-` header, and brokers refuse
    /// requests with a hundred header fields or more.
    public static let maxExtensions = 64

    /// Seconds since 1970 from 0001-01-01T00:00:00Z up to 10000-01-01T00:00:00Z (not included).
    package static let representableSeconds = -62_135_596_800.0..<253_402_300_800.0

    /// The last representable time before the year 10000.
    package static let latestRepresentableTime = Date(timeIntervalSince1970: representableSeconds.upperBound - 1)

    /// Whether `time` lies in the years 0001 to 9999: the times an event, a spool object or a display may hold.
    package static func isRepresentable(_ time: Date) -> Bool {
        let seconds = time.timeIntervalSince1970
        return seconds.isFinite && representableSeconds.contains(seconds)
    }

    /// Checks everything that later becomes a header, a file name or a body.
    ///
    /// - Parameter maxBodyBytes: The largest body accepted.
    /// - Throws: ``EventValidationError`` naming the first field that is invalid.
    public func validate(maxBodyBytes: Int = Event.defaultMaxBodyBytes) throws(EventValidationError) {
        try Self.validateID(id)
        try Self.validateHeaderValue(type, field: "type", maxLength: 1024)
        try Self.validateHeaderValue(source, field: "source", maxLength: 2048)
        try Self.validateHeaderValue(contentType, field: "contentType", maxLength: 256)
        if let subject {
            try Self.validateHeaderValue(subject, field: "subject", maxLength: 2048)
        }
        if let orderingKey {
            try Self.validateHeaderValue(orderingKey, field: "orderingKey", maxLength: 256)
        }
        guard extensions.count <= Self.maxExtensions else {
            throw EventValidationError(
                field: "extensions",
                reason: "has \(extensions.count) attributes, more than \(Self.maxExtensions)"
            )
        }
        for (name, value) in extensions {
            try Self.validateExtensionName(name)
            try Self.validateHeaderValue(value, field: "extensions.\(name)", maxLength: 2048, allowEmpty: true)
        }
        if let traceparent {
            try TraceContext.validateTraceparent(traceparent)
        }
        if let tracestate {
            if traceparent == nil {
                throw EventValidationError(field: "tracestate", reason: "is set without a traceparent")
            }
            try Self.validateHeaderValue(tracestate, field: "tracestate", maxLength: 512, allowEmpty: true)
        }
        // `ce-time` is RFC 3339: years 0001 to 9999. Outside them an event cannot be sent (nor its time
        // written as an integer number of microseconds).
        guard Self.isRepresentable(time) else {
            throw EventValidationError(field: "time", reason: "must be between the years 0001 and 9999")
        }
        if body.count > maxBodyBytes {
            throw EventValidationError(
                field: "body",
                reason: "is \(body.count) bytes, more than the maximum of \(maxBodyBytes)"
            )
        }
    }

    /// Ids appear in file metadata, headers and command lines: printable ASCII that cannot name a path.
    static func validateID(_ id: String) throws(EventValidationError) {
        let utf8 = id.utf8
        guard !utf8.isEmpty else {
            throw EventValidationError(field: "id", reason: "is empty")
        }
        guard utf8.count <= 128 else {
            throw EventValidationError(field: "id", reason: "is \(utf8.count) bytes, more than 128")
        }
        guard id != "." && id != ".." else {
            throw EventValidationError(field: "id", reason: "must not be '\(id)'")
        }
        for byte in utf8 where !isIDByte(byte) {
            throw EventValidationError(
                field: "id",
                reason: "contains \(describe(byte)); allowed are letters, digits and - . _ ~ : @ + ="
            )
        }
    }

    private static func isIDByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: ":"),
            UInt8(ascii: "@"), UInt8(ascii: "+"), UInt8(ascii: "="):
            return true
        default:
            return false
        }
    }

    /// A value that becomes an HTTP header: no control characters (CR and LF above all), bounded length.
    package static func validateHeaderValue(
        _ value: String,
        field: String,
        maxLength: Int,
        allowEmpty: Bool = false
    ) throws(EventValidationError) {
        let utf8 = value.utf8
        if utf8.isEmpty && !allowEmpty {
            throw EventValidationError(field: field, reason: "is empty")
        }
        if utf8.count > maxLength {
            throw EventValidationError(field: field, reason: "is \(utf8.count) bytes, more than \(maxLength)")
        }
        for byte in utf8 where byte < 0x20 || byte == 0x7F {
            throw EventValidationError(field: field, reason: "contains the control character \(describe(byte))")
        }
    }

    /// CloudEvents: extension names are lower-case letters and digits, at most 20 characters.
    static func validateExtensionName(_ name: String) throws(EventValidationError) {
        let field = "extensions.\(name)"
        guard !name.isEmpty, name.utf8.count <= 20 else {
            throw EventValidationError(field: field, reason: "name must be 1 to 20 characters")
        }
        for byte in name.utf8 {
            let isLower = byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")
            let isDigit = byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
            guard isLower || isDigit else {
                throw EventValidationError(
                    field: field,
                    reason: "name must be lower-case letters and digits only"
                )
            }
        }
        guard !reservedAttributeNames.contains(name) else {
            throw EventValidationError(field: field, reason: "name is a reserved CloudEvents attribute")
        }
    }

    private static func describe(_ byte: UInt8) -> String {
        switch byte {
        case 0x0A: return "a line feed (LF)"
        case 0x0D: return "a carriage return (CR)"
        case 0x00: return "a NUL byte"
        case 0x20..<0x7F: return "'\(Character(Unicode.Scalar(byte)))'"
        default:
            let hex = String(byte, radix: 16, uppercase: true)
            return "the byte 0x\(hex.count == 1 ? "0" + hex : hex)"
        }
    }
}
