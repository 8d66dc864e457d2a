/// An event that cannot be published as it is: it names the field and what is wrong with it.
///
/// Thrown by ``Event/validate(maxBodyBytes:)`` and by ``Publisher/publish(_:deadline:logger:)``
/// before anything is sent or written.
public struct EventValidationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The attribute that failed validation, for example `type` or `extensions.tenant`.
    public let field: String
    /// What is wrong with it, in a few words.
    public let reason: String

    package init(field: String, reason: String) {
        self.field = field
        self.reason = reason
    }

    public var description: String {
        "invalid event: \(field) \(reason)"
    }
}
