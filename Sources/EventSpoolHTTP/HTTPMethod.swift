/// The request methods the transport sends: a webhook POSTs; an object store is read and written with PUT,
/// GET, HEAD and DELETE.
package enum HTTPMethod: String, Sendable, Hashable {
    case post = "POST"
    case put = "PUT"
    case get = "GET"
    case head = "HEAD"
    case delete = "DELETE"

    /// Whether a request with this method carries the request's body.
    package var sendsBody: Bool { self == .post || self == .put }
}
