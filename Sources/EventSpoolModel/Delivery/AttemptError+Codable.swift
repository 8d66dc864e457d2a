// In sweep reports an attempt error is `{"status": 503, "message": "HTTP 503: busy"}`; `status` is
// `null` for a transport error (timeout, connection refused or reset).
extension AttemptError: Codable {
    enum CodingKeys: String, CodingKey {
        case status, message
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            status: try container.decodeIfPresent(Int.self, forKey: .status),
            message: try container.decode(String.self, forKey: .message)
        )
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(status, forKey: .status)
        try container.encode(message, forKey: .message)
    }
}
