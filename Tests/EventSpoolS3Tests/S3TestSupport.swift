import EventSpoolS3
import EventSpoolTesting
import Logging
import TestSupport
import Testing

/// Runs `body` with a client on a new bucket of the shared `kind` server.
func withBucket<T>(
    _ kind: S3TestServer.Kind,
    prefix: String = "",
    _ body: (S3Client, S3TestServer) async throws -> T
) async throws -> T {
    let server = try await S3TestServer.shared(kind)
    let configuration = try await server.makeBucket(prefix: prefix)
    return try await withS3Client(configuration: configuration, logger: Logger(label: "S3ClientTests")) { client in
        try await body(client, server)
    }
}

/// The created object's receipt, or a test failure naming what came instead.
func created(_ outcome: S3CreateOutcome, sourceLocation: SourceLocation = #_sourceLocation) throws -> S3WriteReceipt {
    guard case .created(let receipt) = outcome else {
        Issue.record("expected a create, got \(outcome)", sourceLocation: sourceLocation)
        throw S3TestFailure("expected a create, got \(outcome)")
    }
    return receipt
}

/// The found value, or a test failure.
func found<T>(_ lookup: S3Lookup<T>, sourceLocation: SourceLocation = #_sourceLocation) throws -> T {
    guard case .found(let value) = lookup else {
        Issue.record("expected an object, got \(lookup)", sourceLocation: sourceLocation)
        throw S3TestFailure("expected an object, got \(lookup)")
    }
    return value
}

struct S3TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Every byte value, and the characters a form body would mangle: what a PUT must store exactly.
let binaryBody: [UInt8] = Array(0...255) + Array("a=1&b=%20+c\r\n".utf8)
