import EventSpoolS3
import EventSpoolTesting
import Logging
import TestSupport
import Testing

/// Signatures, checked by a server that checks them: SeaweedFS with two identities. moto accepts any request, so it
/// proves nothing about signing (pinned below, so that nobody mistakes a moto run for a signing test).
@Suite(.timeLimit(.minutes(3))) struct S3SigningTests {
    func client<T>(
        _ server: S3TestServer,
        bucket: String,
        credentials: S3Credentials?,
        _ body: (S3Client) async throws -> T
    ) async throws -> T {
        let configuration = server.configuration(bucket: bucket, credentials: credentials)
        return try await withS3Client(configuration: configuration, logger: Logger(label: "S3SigningTests"), body)
    }

    /// Every operation, signed by libcurl, with a query that needs sorting and encoding and a body that needs its
    /// own payload hash: SeaweedFS answers 403 to any of them signed wrong.
    @Test func seaweedFSAcceptsEverySignedOperation() async throws {
        try await withBucket(.seaweedfs) { client, _ in
            let receipt = try created(try await client.putIfAbsent("a/b", bytes: binaryBody))
            _ = try await client.putIfMatch("a/b", bytes: [1], etag: receipt.etag)
            _ = try await client.get("a/b", range: 0...0)
            _ = try await client.head("a/b")
            _ = try await client.listPage(prefix: "a/", startAfter: "a/", delimiter: "/", maxKeys: 5)
            _ = try await client.deleteIfMatch("a/b", etag: receipt.etag)
            try await client.delete("a/b")
        }
    }

    @Test func aWrongSecretIsRefusedAndNeverShown() async throws {
        let server = try await S3TestServer.shared(.seaweedfs)
        let bucket = try await server.makeBucket().bucket
        let wrong = S3Credentials(accessKeyID: "SPOOLTESTKEY", secretAccessKey: "wrong-secret-4d1c9e")
        try await client(server, bucket: bucket, credentials: wrong) { client in
            let error = await #expect(throws: S3Error.self) { try await client.putIfAbsent("k", bytes: [1]) }
            #expect(error?.code == .accessDenied)
            #expect(error?.storeCode == "SignatureDoesNotMatch")
            #expect(error?.status == 403)
            let text = "\(error.map { "\($0)" } ?? "")"
            #expect(!text.contains("wrong-secret-4d1c9e"))
            #expect(text.contains(bucket) && text.contains("/k"))
        }
        let unknown = S3Credentials(accessKeyID: "NOSUCHKEY", secretAccessKey: "whatever-secret")
        try await client(server, bucket: bucket, credentials: unknown) { client in
            let error = await #expect(throws: S3Error.self) { try await client.head("k") }
            #expect(error?.code == .accessDenied)
        }
        try await client(server, bucket: bucket, credentials: nil) { client in
            let error = await #expect(throws: S3Error.self) { try await client.listPage(prefix: "") }
            #expect(error?.code == .accessDenied)
        }
    }

    @Test func aReadOnlyIdentityReadsButCannotWrite() async throws {
        let server = try await S3TestServer.shared(.seaweedfs)
        let configuration = try await server.makeBucket()
        try await withS3Client(configuration: configuration, logger: Logger(label: "test")) { admin in
            _ = try created(try await admin.putIfAbsent("k", bytes: [1, 2]))
        }
        try await client(server, bucket: configuration.bucket, credentials: S3TestServer.readerCredentials) {
            (reader: S3Client) async throws in
            #expect(try found(try await reader.get("k")).bytes == [1, 2])
            #expect(try await reader.listPage(prefix: "").objects.map(\.key) == ["k"])
            let error = await #expect(throws: S3Error.self) { try await reader.putIfAbsent("k2", bytes: [1]) }
            #expect(error?.code == .accessDenied)
            #expect(error?.storeCode == "AccessDenied")
        }
    }

    /// moto without authentication takes a wrong secret: signing is proven on SeaweedFS only.
    @Test func motoDoesNotCheckSignatures() async throws {
        let server = try await S3TestServer.shared(.moto)
        let bucket = try await server.makeBucket().bucket
        let wrong = S3Credentials(accessKeyID: "NOSUCHKEY", secretAccessKey: "wrong-secret")
        try await client(server, bucket: bucket, credentials: wrong) { client in
            _ = try created(try await client.putIfAbsent("k", bytes: [1]))
        }
    }
}
