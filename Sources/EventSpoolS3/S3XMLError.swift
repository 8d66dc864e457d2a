/// XML the client cannot read: what is wrong and at which byte.
struct S3XMLError: Error, Sendable, Hashable, CustomStringConvertible {
    let message: String
    let offset: Int

    var description: String { "\(message) (at byte \(offset))" }
}
