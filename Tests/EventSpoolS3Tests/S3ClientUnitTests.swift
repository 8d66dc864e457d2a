import EventSpoolTesting
import Foundation
import Testing

@testable import EventSpoolS3

/// The client's pieces with values alone: keys, queries, ETags, dates, XML, backoff, ranges.
@Suite struct S3ClientUnitTests {
    @Test func theSpoolsKeysNeedNoEncoding() {
        for key in [
            "pending/2026/11/30/12/00/20261127T235003.123456Z-0000a1b2-5e3c9d01-00000007.evs",
            "ordering/5e3c9d01aa", "sweeper.lease", "quarantine/k~1", "a-b_c.d~e",
        ] {
            #expect(S3ObjectKey.problem(withKey: key) == nil, "\(key)")
        }
        #expect(S3ObjectKey.problem(withKey: String(repeating: "a", count: 1025)) != nil)
        #expect(S3ObjectKey.problem(withPrefix: "") == nil)
        #expect(S3ObjectKey.problem(withPrefix: "spool/") == nil)
        #expect(S3ObjectKey.problem(withPrefix: "spool//") != nil)
    }

    @Test func theQueryIsSortedAndEncodedTheAWSWay() {
        var query = S3Query()
        query.add("prefix", "été/a b+~")
        query.add("list-type", "2")
        query.add("absent", nil)
        #expect(query.encoded == "list-type=2&prefix=%C3%A9t%C3%A9%2Fa%20b%2B~")
        #expect(query.value(of: "absent") == nil)
        #expect(S3Query().encoded.isEmpty)
    }

    @Test func etagsAreReadQuotedOrNotAndHostileOnesRefused() {
        #expect(S3ETag("\"b1946ac92492d2347c6235b4d2611184\"")?.value == "b1946ac92492d2347c6235b4d2611184")
        #expect(S3ETag("b1946ac92492d2347c6235b4d2611184")?.isMD5Form == true)
        #expect(S3ETag("\"0123-2\"")?.isMD5Form == false)
        for hostile in ["", "\"\"", "W/\"x\"", "a b", "a\u{0}b", "\"a\"b\"", String(repeating: "f", count: 300)] {
            #expect(S3ETag(hostile) == nil, "\(hostile.debugDescription)")
        }
        let md5 = S3Digest.md5(Array("hello\n".utf8))
        #expect(S3ETag("\"B1946AC92492D2347C6235B4D2611184\"")?.isMD5(md5) == true)
    }

    @Test func listingDatesInBothServersFormsAndHTTPDates() {
        let seaweed = S3Timestamp.iso8601("2026-11-30T11:20:02Z")
        let moto = S3Timestamp.iso8601("2026-11-30T11:20:02.000Z")
        #expect(seaweed != nil && seaweed == moto)
        #expect(S3Timestamp.iso8601("2026-11-30T11:20:02.5Z").map { $0.timeIntervalSince(seaweed!) } == 0.5)
        for bad in [
            "2026-02-30T00:00:00Z", "2026-11-30T25:00:00Z", "2026-11-30 11:20:02Z", "2026-11-30T11:20:02",
            "2026-11-30T11:20:02.Z", "2026-11-30T11:20:02.1234567890Z",
        ] {
            #expect(S3Timestamp.iso8601(bad) == nil, "\(bad)")
        }
        #expect(S3Timestamp.httpDate("Mon, 30 Nov 2026 11:20:02 GMT") == seaweed)
        #expect(S3Timestamp.httpDate(String(repeating: "x", count: 100)) == nil)
    }

    /// Both servers' real answers (docs/s3.md): element order, entity-quoted ETags, two date forms.
    @Test func bothServersListingsReadTheSame() throws {
        let seaweed = """
            <?xml version="1.0" encoding="UTF-8"?>
            <ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>xmlex</Name><Prefix>a/</Prefix>\
            <MaxKeys>2</MaxKeys><IsTruncated>true</IsTruncated><Contents><Key>a/1</Key>\
            <ETag>&#34;07f525b6f83ac6cafd683d2c5e31ab19&#34;</ETag><Size>5</Size><StorageClass>STANDARD</StorageClass>\
            <LastModified>2026-11-30T11:47:01Z</LastModified></Contents><NextContinuationToken>a/1\
            </NextContinuationToken><KeyCount>1</KeyCount></ListBucketResult>
            """
        let moto = """
            <?xml version="1.0" encoding="utf-8"?>
            <ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><IsTruncated>true</IsTruncated>\
            <Contents><Key>a/1</Key><LastModified>2026-11-30T11:47:01.000Z</LastModified>\
            <ETag>"07f525b6f83ac6cafd683d2c5e31ab19"</ETag><Size>5</Size><StorageClass>STANDARD</StorageClass>\
            </Contents><Name>xmlex</Name><Prefix>a/</Prefix><MaxKeys>2</MaxKeys><KeyCount>1</KeyCount>\
            <NextContinuationToken>08a3a0ab38cac589c7231d171c88091f</NextContinuationToken></ListBucketResult>
            """
        let pages = try [seaweed, moto].map { try S3ListPage(xml: Array($0.utf8), serverDate: nil) }
        #expect(pages[0].objects == pages[1].objects)
        #expect(pages[0].objects.first?.etag.value == "07f525b6f83ac6cafd683d2c5e31ab19")
        #expect(pages[0].objects.first?.lastModified != nil)
        #expect(pages[0].nextContinuationToken == "a/1")
        #expect(pages.allSatisfy { $0.isTruncated })
    }

    @Test func theXMLParserRefusesWhatS3NeverSends() {
        for document in [
            "<!DOCTYPE x [<!ENTITY e \"boom\">]><x>&e;</x>", "<x>&unknown;</x>", "<x></y>", "<x>", "text",
            "<x/><y/>", "<x>&#0;</x>", "<x a=b/>", "<x>\u{FFFD}</x>\u{0}",
        ] {
            #expect(throws: S3XMLError.self, "\(document)") { try S3XMLParser.parse(Array(document.utf8)) }
        }
        #expect(throws: S3XMLError.self) { try S3XMLParser.parse([0x3C, 0x78, 0x3E, 0xFF, 0x3C, 0x2F, 0x78, 0x3E]) }
        let parsed = try? S3XMLParser.parse(Array("<a:x><![CDATA[<&>]]>&lt;&#x41;&#66;</a:x>".utf8))
        #expect(parsed?.name == "x")
        #expect(parsed?.text == "<&><AB")
    }

    @Test func backoffDoublesToItsCapWithJitterInTheUpperHalf() {
        let retry = S3Configuration.Retry(baseDelay: .milliseconds(50), maxDelay: .seconds(2), maxAttempts: 8)
        #expect(
            (1...8).map { S3Backoff.nominalDelay(afterAttempt: $0, retry: retry) }
                == [50, 100, 200, 400, 800, 1600, 2000, 2000].map { Duration.milliseconds($0) }
        )
        #expect(S3Backoff.nominalDelay(afterAttempt: Int.max, retry: retry) == .seconds(2))
        var random = SeededRandom(seed: 13)
        for attempt in 1...8 {
            let nominal = S3Backoff.nominalDelay(afterAttempt: attempt, retry: retry)
            let delay = S3Backoff.delay(afterAttempt: attempt, retry: retry, using: &random)
            #expect(delay >= nominal / 2 && delay <= nominal)
        }
    }

    @Test func contentRangesFromAHostileStoreNeverTrap() {
        #expect(S3Client.contentRange("bytes 0-15/300")! == (0, 15, 300))
        #expect(S3Client.contentRange("bytes 0-15/*")! == (0, 15, nil))
        for bad in ["bytes 15-0/300", "bytes 0-15/10", "bytes -1-3/9", "items 0-1/2", "bytes 0-1", "bytes a-b/c", nil] {
            #expect(S3Client.contentRange(bad) == nil, "\(bad ?? "nil")")
        }
    }
}
