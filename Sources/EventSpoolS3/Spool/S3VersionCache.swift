/// The ETag of each object a spool last read or wrote, by object name: what its next conditional write names.
///
/// Bounded: a pass reading the headers of millions of objects must not keep them all. When full it forgets
/// everything; an object whose version is forgotten is looked up again (HEAD) before a delete, and a replace
/// of it is refused as a conflict rather than made blindly.
struct S3VersionCache: Sendable {
    static let capacity = 100_000
    private var etags: [String: S3ETag] = [:]

    subscript(name: String) -> S3ETag? {
        get { etags[name] }
        set {
            if newValue != nil, etags[name] == nil, etags.count >= Self.capacity { etags = [:] }
            etags[name] = newValue
        }
    }
}
