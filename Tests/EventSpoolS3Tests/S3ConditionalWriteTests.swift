import EventSpoolS3
import EventSpoolTesting
import Logging
import TestSupport
import Testing

@testable import EventSpoolS3

/// Create-once, compare-and-swap and conditional deletes against both real servers, with the answers on which
/// they differ pinned: the client's outcomes must mean the same on each.
@Suite(.timeLimit(.minutes(3))) struct S3ConditionalWriteTests {
    @Test(arguments: S3TestServer.Kind.allCases)
    func createOnceStoresTheExactBytesAndRefusesASecondCreate(kind: S3TestServer.Kind) async throws {
        try await withBucket(kind) { client, _ in
            let receipt = try created(try await client.putIfAbsent("a/object.evs", bytes: binaryBody))
            // The ETag is the MD5 of the bytes on both servers (the client also checks it on every 200).
            #expect(receipt.etag == S3ETag(md5: S3Digest.md5(binaryBody)))
            #expect(receipt.serverDate != nil)

            // A body sent as a form would be stored empty by moto (with 200): the bytes must come back whole.
            let object = try found(try await client.get("a/object.evs"))
            #expect(object.bytes == binaryBody)
            #expect(object.etag == receipt.etag)
            #expect(object.isWhole)

            guard case .exists(let conflict) = try await client.putIfAbsent("a/object.evs", bytes: [1, 2, 3]) else {
                Issue.record("a second create of one key succeeded")
                return
            }
            #expect(conflict.status == 412)
            #expect(try found(try await client.get("a/object.evs")).bytes == binaryBody)
        }
    }

    @Test(arguments: S3TestServer.Kind.allCases)
    func replaceSucceedsOnlyForTheVersionRead(kind: S3TestServer.Kind) async throws {
        try await withBucket(kind) { client, _ in
            let first = try created(try await client.putIfAbsent("lease", bytes: Array("epoch 1".utf8)))
            guard
                case .replaced(let second) = try await client.putIfMatch(
                    "lease",
                    bytes: Array("epoch 2".utf8),
                    etag: first.etag
                )
            else {
                Issue.record("a replace of the current version was refused")
                return
            }
            #expect(second.etag != first.etag)

            // The first version is gone: a writer still holding it has lost, and nothing is written.
            guard
                case .lost(let conflict) = try await client.putIfMatch(
                    "lease",
                    bytes: Array("epoch 3".utf8),
                    etag: first.etag
                )
            else {
                Issue.record("a replace of a stale version succeeded")
                return
            }
            #expect(conflict.status == 412)
            #expect(try found(try await client.get("lease")).bytes == Array("epoch 2".utf8))
        }
    }

    /// `If-Match` on a missing key: SeaweedFS answers 412, moto 404 NoSuchKey. Both are ``S3ReplaceOutcome/lost``.
    @Test(arguments: S3TestServer.Kind.allCases)
    func replaceOfAMissingKeyIsLostOnBothServers(kind: S3TestServer.Kind) async throws {
        try await withBucket(kind) { client, _ in
            let etag = try #require(S3ETag("\"b1946ac92492d2347c6235b4d2611184\""))
            guard case .lost(let conflict) = try await client.putIfMatch("missing", bytes: [1], etag: etag) else {
                Issue.record("a replace of a missing key succeeded")
                return
            }
            switch kind {
            case .seaweedfs: #expect(conflict.status == 412)
            case .moto: #expect(conflict.status == 404 && conflict.storeCode == "NoSuchKey")
            }
            #expect(try await client.head("missing") == .notFound)
        }
    }

    @Test(arguments: S3TestServer.Kind.allCases)
    func conditionalDeleteRemovesOnlyTheVersionNamed(kind: S3TestServer.Kind) async throws {
        try await withBucket(kind) { client, _ in
            let old = try created(try await client.putIfAbsent("k", bytes: Array("v1".utf8)))
            let new = try await client.putIfMatch("k", bytes: Array("v2".utf8), etag: old.etag)
            guard case .replaced(let current) = new else {
                Issue.record("replace refused: \(new)")
                return
            }
            guard case .lost(let stale) = try await client.deleteIfMatch("k", etag: old.etag) else {
                Issue.record("a delete of a stale version removed the object")
                return
            }
            #expect(stale.status == 412)
            #expect(try found(try await client.head("k")).etag == current.etag)

            guard case .deleted = try await client.deleteIfMatch("k", etag: current.etag) else {
                Issue.record("a delete of the current version was refused")
                return
            }
            #expect(try await client.head("k") == .notFound)

            // Already gone: SeaweedFS 412, moto 404. Either way nothing was deleted by this request.
            guard case .lost(let gone) = try await client.deleteIfMatch("k", etag: current.etag) else {
                Issue.record("a delete of a missing key reported a deletion")
                return
            }
            #expect(gone.status == (kind == .seaweedfs ? 412 : 404))

            // The unconditional delete of a missing key is no error (204 on both).
            try await client.delete("k")
        }
    }

    /// The bucket that exists: SeaweedFS 409 BucketAlreadyOwnedByYou, moto 200.
    @Test(arguments: S3TestServer.Kind.allCases)
    func creatingABucketTwiceIsNoError(kind: S3TestServer.Kind) async throws {
        try await withBucket(kind) { client, _ in
            let again = try await client.createBucket()
            #expect(again == (kind == .seaweedfs ? .alreadyOwned : .created))
        }
    }

    @Test(arguments: S3TestServer.Kind.allCases)
    func aMissingBucketIsAFailureNotAMissingKey(kind: S3TestServer.Kind) async throws {
        let server = try await S3TestServer.shared(kind)
        let configuration = server.configuration(bucket: "no-such-bucket-\(UInt16.random(in: 0...9999))")
        try await withS3Client(configuration: configuration, logger: Logger(label: "test")) { client in
            let error = await #expect(throws: S3Error.self) { try await client.get("k") }
            #expect(error?.code == .notFound)
            #expect(error?.storeCode == "NoSuchBucket")
            let put = await #expect(throws: S3Error.self) { try await client.putIfAbsent("k", bytes: [1]) }
            #expect(put?.storeCode == "NoSuchBucket")
        }
    }

    @Test(arguments: S3TestServer.Kind.allCases)
    func rangedReadAndHeadGiveTheVersionAndSize(kind: S3TestServer.Kind) async throws {
        try await withBucket(kind) { client, _ in
            let receipt = try created(try await client.putIfAbsent("obj", bytes: binaryBody))
            let header = try found(try await client.get("obj", range: 0...15))
            #expect(header.bytes == Array(binaryBody[0...15]))
            #expect(!header.isWhole)
            #expect(header.size == binaryBody.count)
            #expect(header.etag == receipt.etag)

            let info = try found(try await client.head("obj"))
            #expect(info.etag == receipt.etag)
            #expect(info.size == binaryBody.count)
            #expect(info.lastModified != nil)
            #expect(try await client.get("nothing") == .notFound)
        }
    }

    @Test(arguments: S3TestServer.Kind.allCases)
    func theConfiguredPrefixNamesKeys(kind: S3TestServer.Kind) async throws {
        try await withBucket(kind, prefix: "fleet-a/spool") { client, _ in
            let key = client.key("pending/2026/11/30/12/00/x.evs")
            #expect(key == "fleet-a/spool/pending/2026/11/30/12/00/x.evs")
            _ = try created(try await client.putIfAbsent(key, bytes: [7]))
            let page = try await client.listPage(prefix: client.key(""))
            #expect(page.objects.map(\.key) == [key])
        }
    }
}
