import EventSpoolS3
import EventSpoolTesting
import Logging
import Testing

@testable import EventSpoolS3

/// What the client puts on the wire, seen by a loopback server that records every request: each of libcurl
/// 7.88's SigV4 traps avoided (docs/s3.md).
@Suite(.timeLimit(.minutes(3))) struct S3RequestShapeTests {
    static let credentials = S3Credentials(
        accessKeyID: "AKIDSHAPE",
        secretAccessKey: "shape-secret-0123456789",
        sessionToken: "shape-session-token-abcdef"
    )

    /// A client of `broker` (which plays the store), signed, with quick retries.
    static func withFakeStore<T>(
        _ broker: TestBroker,
        maxAttempts: Int = 3,
        requestTimeout: Duration = .seconds(60),
        etagIsContentMD5: Bool = true,
        _ body: (S3Client) async throws -> T
    ) async throws -> T {
        let configuration = S3Configuration(
            endpoint: "http://127.0.0.1:\(broker.port)",
            bucket: "spool",
            credentials: credentials,
            // Generous: the tests count attempts and outcomes, never time, and a loaded machine must not run an
            // operation out of its deadline.
            timeout: S3Configuration.Timeout(connect: .seconds(30), request: requestTimeout, operation: .seconds(150)),
            retry: S3Configuration.Retry(
                baseDelay: .milliseconds(1),
                maxDelay: .milliseconds(5),
                maxAttempts: maxAttempts
            ),
            etagIsContentMD5: etagIsContentMD5
        )
        return try await withS3Client(configuration: configuration, logger: Logger(label: "fake-store"), body)
    }

    static func etagHeader(_ bytes: [UInt8]) -> (String, String) {
        ("ETag", S3ETag(md5: S3Digest.md5(bytes)).quoted)
    }

    @Test func aPutCarriesItsOwnPayloadHashTypeAndDigestAndNoExpect() async throws {
        try await withTestBroker { broker in
            broker.enqueue(.status(200, headers: [Self.etagHeader(binaryBody)]))
            try await Self.withFakeStore(broker) { client in
                _ = try created(try await client.putIfAbsent("pending/a.evs", bytes: binaryBody))
            }
            let request = try #require(broker.requests.first)
            #expect(request.method == "PUT")
            #expect(request.uri == "/spool/pending/a.evs")
            #expect(request.body == binaryBody)
            #expect(request.header("x-amz-content-sha256") == S3Digest.sha256Hex(binaryBody))
            #expect(request.header("Content-Type") == "application/octet-stream")
            #expect(request.header("Content-MD5") == S3Digest.base64(S3Digest.md5(binaryBody)))
            #expect(request.header("If-None-Match") == "*")
            #expect(request.header("x-amz-security-token") == Self.credentials.sessionToken)
            // No `Expect:` removal line (libcurl would sign it and not send it) and no 100-continue wait.
            #expect(request.header("Expect") == nil)
            // libcurl adds X-Amz-Date once; one set by the client would be sent twice.
            #expect(request.headerValues("X-Amz-Date").count == 1)
            let authorization = try #require(request.header("Authorization"))
            #expect(authorization.hasPrefix("AWS4-HMAC-SHA256 Credential=AKIDSHAPE/"))
            #expect(authorization.contains("/us-east-1/s3/aws4_request"))
            #expect(
                authorization.contains(
                    "SignedHeaders=content-md5;content-type;host;if-none-match;x-amz-content-sha256;x-amz-date;"
                        + "x-amz-security-token"
                )
            )
            #expect(!authorization.contains(Self.credentials.secretAccessKey))
        }
    }

    /// libcurl 7.88 signs the query as written: the client must send it sorted and AWS-encoded.
    @Test func aListingSendsItsQuerySortedAndEncoded() async throws {
        try await withTestBroker { broker in
            broker.enqueue(.status(200, body: "<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>"))
            try await Self.withFakeStore(broker) { client in
                _ = try await client.listPage(
                    prefix: "a/b~c",
                    startAfter: "a/b~c/x",
                    continuationToken: "tok/en+=",
                    delimiter: "/",
                    maxKeys: 5000
                )
            }
            let request = try #require(broker.requests.first)
            #expect(
                request.uri
                    == "/spool/?continuation-token=tok%2Fen%2B%3D&delimiter=%2F&list-type=2&max-keys=1000"
                    + "&prefix=a%2Fb~c&start-after=a%2Fb~c%2Fx"
            )
            #expect(request.header("x-amz-content-sha256") == S3Digest.emptySHA256)
        }
    }

    /// Keys that would need encoding are refused before anything is sent: an encoded path fails the signature on
    /// one server or the other.
    @Test(arguments: ["co:lon", "sp ace", "été", "a//b", "a/./b", "../up", "/lead", "trail/", "", "q?x", "h#f"])
    func keysThatNeedEncodingAreRefusedBeforeSending(key: String) async throws {
        try await withTestBroker { broker in
            try await Self.withFakeStore(broker) { client in
                let error = await #expect(throws: S3Error.self) { try await client.putIfAbsent(key, bytes: [1]) }
                #expect(error?.code == .invalidKey)
            }
            #expect(broker.requestCount == 0)
        }
    }

    @Test func aConfiguredPrefixThatNeedsEncodingIsAConfigurationError() throws {
        for prefix in ["spool:a", "a//b", "/a", "a b"] {
            let configuration = S3Configuration(endpoint: "http://127.0.0.1:1", bucket: "spool", prefix: prefix)
            let error = #expect(throws: S3Error.self) {
                try S3Client(configuration: configuration, logger: Logger(label: "test"))
            }
            #expect(error?.code == .invalidConfiguration)
            #expect(error.map { "\($0)" }?.contains("prefix") == true)
        }
    }

    @Test func virtualHostedStylePutsTheBucketInTheHostName() throws {
        let pathStyle = try S3Endpoint(S3Configuration(endpoint: "http://127.0.0.1:9000", bucket: "spool"))
        #expect(pathStyle.url(key: "a/b") == "http://127.0.0.1:9000/spool/a/b")
        let hosted = try S3Endpoint(
            S3Configuration(endpoint: "https://s3.example.com", bucket: "spool", pathStyle: false)
        )
        #expect(hosted.url(key: "a/b") == "https://spool.s3.example.com/a/b")
        var query = S3Query()
        query.add("list-type", "2")
        #expect(hosted.url(key: nil, query: query) == "https://spool.s3.example.com/?list-type=2")
        #expect(throws: S3Error.self) {
            try S3Endpoint(S3Configuration(endpoint: "http://127.0.0.1:9000", bucket: "spool", pathStyle: false))
        }
        #expect(throws: S3Error.self) {
            try S3Endpoint(S3Configuration(endpoint: "http://user:pw@127.0.0.1:9000", bucket: "spool"))
        }
        #expect(throws: S3Error.self) {
            try S3Endpoint(S3Configuration(endpoint: "http://127.0.0.1:9000/path", bucket: "spool"))
        }
        #expect(throws: S3Error.self) {
            try S3Endpoint(S3Configuration(endpoint: "http://127.0.0.1:9000", bucket: "Upper_Case"))
        }
    }

    @Test func theConfigurationNeverPrintsASecret() {
        let configuration = S3Configuration(
            endpoint: "http://127.0.0.1:9000",
            bucket: "spool",
            credentials: Self.credentials
        )
        for text in ["\(configuration)", String(reflecting: configuration), String(describing: Self.credentials)] {
            #expect(!text.contains(Self.credentials.secretAccessKey))
            #expect(!text.contains(Self.credentials.sessionToken ?? "?"))
        }
    }
}
