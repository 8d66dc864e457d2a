/// One element of an S3 answer's XML: its name, its own text and its child elements.
///
/// S3's answers are a small tree of elements holding text (`<ListBucketResult>`, `<Contents>`, `<Key>`), so
/// this is all the client keeps of a document; ``S3XMLParser`` builds it.
struct S3XMLElement: Sendable, Hashable {
    /// The name as written, without any namespace prefix (`ListBucketResult`).
    var name: String
    /// The element's own text, entities and character references decoded, CDATA included.
    var text: String
    var children: [S3XMLElement]

    /// The first child named `name`.
    func child(_ name: String) -> S3XMLElement? {
        children.first { $0.name == name }
    }

    /// Every child named `name`, in document order.
    func children(_ name: String) -> [S3XMLElement] {
        children.filter { $0.name == name }
    }

    /// The text of the first child named `name`.
    func text(of name: String) -> String? {
        child(name)?.text
    }
}
