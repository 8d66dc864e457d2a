import Foundation
import Testing

@testable import EventSpool
@testable import EventSpoolHTTP
@testable import EventSpoolModel
@testable import EventSpoolPolicy
@testable import EventSpoolWebhook

@Suite struct DeliveryClassificationTests {
    let classification = DeliveryClassification()
    /// Sun, 06 Nov 1994 08:49:37 GMT, the RFC 9110 example date.
    let exampleSeconds: Int64 = 784_111_777

    // MARK: status classes

    @Test(arguments: [200, 201, 202, 204, 299])
    func twoHundredsAreDelivered(status: Int) {
        #expect(classification.outcome(status: status, retryAfter: "120", now: Date()) == .delivered)
    }

    @Test(arguments: [408, 425, 429, 500, 502, 503, 504])
    func retryableStatusesAreRetryable(status: Int) {
        #expect(classification.outcome(status: status, retryAfter: nil, now: Date()) == .retryable(retryAfter: nil))
    }

    @Test(arguments: [
        100, 101, 199, 300, 301, 302, 303, 304, 307, 308, 400, 401, 403, 404, 405, 409, 413, 422, 451,
        501, 505, 511,
    ])
    func otherStatusesArePermanent(status: Int) {
        #expect(classification.outcome(status: status, retryAfter: "5", now: Date()) == .permanent)
    }

    @Test func goneIsEndpointGone() {
        #expect(classification.outcome(status: 410, retryAfter: nil, now: Date()) == .endpointGone)
    }

    @Test(arguments: [0, 42, 600, 999])
    func statusesOutsideHTTPAreRetryable(status: Int) {
        #expect(classification.outcome(status: status, retryAfter: "5", now: Date()) == .retryable(retryAfter: nil))
    }

    @Test func statusSetsAreConfigurable() {
        let custom = DeliveryClassification(retryableStatuses: [507], goneStatuses: [404])
        #expect(custom.outcome(status: 507, retryAfter: nil, now: Date()) == .retryable(retryAfter: nil))
        #expect(custom.outcome(status: 503, retryAfter: nil, now: Date()) == .permanent)
        #expect(custom.outcome(status: 404, retryAfter: nil, now: Date()) == .endpointGone)
        // A 2xx stays delivered whatever the configuration says: the broker has the event.
        let odd = DeliveryClassification(retryableStatuses: [202], goneStatuses: [204])
        #expect(odd.outcome(status: 202, retryAfter: nil, now: Date()) == .delivered)
        #expect(odd.outcome(status: 204, retryAfter: nil, now: Date()) == .delivered)
    }

    @Test func retryAfterIsFoundAmongHeadersWhateverItsCase() {
        let headers: [(name: String, value: String)] = [("Content-Type", "text/plain"), ("retry-AFTER", "7")]
        #expect(
            classification.outcome(status: 503, headers: headers, now: Date()) == .retryable(retryAfter: .seconds(7))
        )
        #expect(classification.outcome(status: 503, headers: [], now: Date()) == .retryable(retryAfter: nil))
    }

    // MARK: Retry-After

    @Test(arguments: [
        ("120", Duration.seconds(120)),
        ("0", .zero),
        (" 30 ", .seconds(30)),
        ("21600", .seconds(21600)),
        ("21601", .seconds(21600)),
        ("99999999999", .seconds(21600)),
        ("999999999999999999999999999999", .seconds(21600)),
    ])
    func deltaSecondsAreParsedAndCapped(value: String, expected: Duration) {
        #expect(classification.retryAfterDelay(value, now: Date()) == expected)
    }

    @Test(arguments: [
        "soon", "", "-5", "1.5", "120s", "0x10", "Sun, 06 Nov 1994", "Sun, 31 Feb 2100 08:49:37 GMT",
        "Sun, 06 Nov 1994 25:49:37 GMT", "Sun, 06 Nov 1994 08:49:37 UTC", "Sun,06 Nov 1994 08:49:37 GMT",
    ])
    func unparsableValuesGiveTheDefault(value: String) {
        #expect(classification.retryAfterDelay(value, now: Date()) == .seconds(60))
    }

    @Test func absentRetryAfterIsNil() {
        #expect(classification.retryAfterDelay(nil, now: Date()) == nil)
    }

    @Test(arguments: [
        "Sun, 06 Nov 1994 08:49:37 GMT",
        "sun, 06 nov 1994 08:49:37 GMT",
        "Sunday, 06-Nov-94 08:49:37 GMT",
        "Sun Nov  6 08:49:37 1994",
    ])
    func httpDatesInAllThreeFormsAreMeasuredFromTheClock(value: String) {
        let now = Date(timeIntervalSince1970: TimeInterval(exampleSeconds - 90))
        #expect(classification.retryAfterDelay(value, now: now) == .seconds(90))
    }

    @Test func pastDatesMeanNoWait() {
        let now = Date(timeIntervalSince1970: TimeInterval(exampleSeconds + 3600))
        #expect(classification.retryAfterDelay("Sun, 06 Nov 1994 08:49:37 GMT", now: now) == .zero)
    }

    @Test func farFutureDatesAreCapped() {
        let now = Date(timeIntervalSince1970: TimeInterval(exampleSeconds))
        #expect(classification.retryAfterDelay("Fri, 31 Dec 9999 23:59:59 GMT", now: now) == .seconds(21600))
    }

    @Test func fractionalNowIsRespected() {
        let now = Date(timeIntervalSince1970: TimeInterval(exampleSeconds) - 10.25)
        #expect(classification.retryAfterDelay("Sun, 06 Nov 1994 08:49:37 GMT", now: now) == .milliseconds(10250))
    }

    @Test func rfc850TwoDigitYearsLandWithinFiftyYears() {
        // Now is 2030: "94" is 2094? No, more than 50 years ahead, so 1994 (in the past: zero wait).
        let now2030 = Date(timeIntervalSince1970: 1_893_456_000)
        #expect(classification.retryAfterDelay("Sunday, 06-Nov-94 08:49:37 GMT", now: now2030) == .zero)
        // "31" from 2030 is 2031: a year ahead, capped at six hours.
        #expect(classification.retryAfterDelay("Wednesday, 01-Jan-31 00:00:00 GMT", now: now2030) == .seconds(21600))
    }

    @Test func httpDateParserMatchesKnownInstants() {
        #expect(HTTPDate.parse("Thu, 01 Jan 1970 00:00:00 GMT", nowSecondsSince1970: 0) == 0)
        #expect(HTTPDate.parse("Tue, 29 Feb 2000 12:00:00 GMT", nowSecondsSince1970: 0) == 951_825_600)
        #expect(HTTPDate.parse("Wed, 29 Feb 2001 12:00:00 GMT", nowSecondsSince1970: 0) == nil)
        #expect(HTTPDate.parse("Thu Jan  1 00:00:00 1970 trailing", nowSecondsSince1970: 0) == nil)
        for seconds: Int64 in [0, 86_399, 951_825_600, 4_102_444_800, -86_400] {
            #expect(CivilTime(secondsSince1970: seconds).secondsSince1970 == seconds)
        }
    }

    @Test func customCapAndDefaultAreUsed() {
        let custom = DeliveryClassification(maxRetryAfter: .seconds(30), defaultRetryAfter: .seconds(5))
        #expect(custom.retryAfterDelay("120", now: Date()) == .seconds(30))
        #expect(custom.retryAfterDelay("later", now: Date()) == .seconds(5))
    }

    // MARK: messages

    @Test func httpFailureMessageHasStatusURLAndFirstLine() {
        let result = classification.result(
            for: DeliveryAnswer(
                status: 503,
                retryAfter: "120",
                body: Array("overloaded\nsecond line".utf8),
                url: "http://127.0.0.1:5555/events",
                duration: .milliseconds(3)
            ),
            now: Date()
        )
        #expect(result.outcome == .retryable(retryAfter: .seconds(120)))
        #expect(result.status == 503)
        #expect(
            result.error == AttemptError(status: 503, message: "HTTP 503 from http://127.0.0.1:5555/events: overloaded")
        )
    }

    @Test func deliveredHasNoError() {
        let result = classification.result(
            for: DeliveryAnswer(
                status: 204,
                retryAfter: nil,
                body: [],
                url: "http://h/",
                duration: .zero
            ),
            now: Date()
        )
        #expect(result.isDelivered)
        #expect(result.error == nil)
        #expect(result.status == 204)
    }

    @Test func bodyWithoutTextGivesJustTheStatus() {
        let result = classification.result(
            for: DeliveryAnswer(
                status: 404,
                retryAfter: nil,
                body: Array("\r\n  \n".utf8),
                url: "http://h/e",
                duration: .zero
            ),
            now: Date()
        )
        #expect(result.error?.message == "HTTP 404 from http://h/e")
        #expect(result.outcome == .permanent)
    }

    @Test func redirectsSayTheyAreNotFollowed() {
        let result = classification.result(
            for: DeliveryAnswer(
                status: 301,
                retryAfter: nil,
                body: [],
                url: "http://h/e",
                duration: .zero
            ),
            now: Date()
        )
        #expect(result.outcome == .permanent)
        #expect(result.error?.message == "HTTP 301 from http://h/e (redirects are not followed)")
    }

    @Test func hostileBodiesBecomeOneBoundedPrintableLine() throws {
        var body: [UInt8] = [0x1B] + Array("[31mred\u{7}bell\tand".utf8) + [0xFF, 0xFE]
        body += Array(repeating: UInt8(ascii: "x"), count: 100_000)
        let result = classification.result(
            for: DeliveryAnswer(
                status: 500,
                retryAfter: nil,
                body: body,
                url: "http://h/e",
                duration: .zero
            ),
            now: Date()
        )
        let message = try #require(result.error?.message)
        #expect(message.hasPrefix("HTTP 500 from http://h/e: [31mred bell and\u{FFFD}\u{FFFD}xxx"))
        #expect(message.utf8.count <= AttemptError.maxMessageBytes)
        #expect(!message.unicodeScalars.contains { $0.value < 0x20 })
    }

    @Test(arguments: [
        (TransportFailure.connectionRefused, "connection refused: http://127.0.0.1:5555/events"),
        (.timedOut(after: .seconds(5)), "timed out after 5s waiting for http://127.0.0.1:5555/events"),
        (.timedOut(after: .milliseconds(300)), "timed out after 300ms waiting for http://127.0.0.1:5555/events"),
        (
            .connectTimedOut(after: .milliseconds(1500)),
            "timed out after 1.5s connecting to http://127.0.0.1:5555/events"
        ),
        (.notHTTP, "not an HTTP response from http://127.0.0.1:5555/events"),
        (.connectionReset, "connection reset by the broker: http://127.0.0.1:5555/events"),
        (.closedBeforeResponse, "connection closed before any response: http://127.0.0.1:5555/events"),
        (
            .closedMidResponse(status: 200),
            "connection closed in the middle of an HTTP 200 response: http://127.0.0.1:5555/events"
        ),
        (.hostNotFound(host: "broker.invalid"), "host not found (broker.invalid): http://127.0.0.1:5555/events"),
        (.cancelled, "cancelled before the broker answered: http://127.0.0.1:5555/events"),
    ])
    func transportFailuresAreRetryableWithClearMessages(failure: TransportFailure, message: String) {
        let answer = DeliveryAnswer(failure, url: "http://127.0.0.1:5555/events", duration: .zero)
        let result = classification.result(for: answer, now: Date())
        #expect(result.outcome == .retryable(retryAfter: nil))
        #expect(result.error?.message == message)
    }

    @Test func statusLineParsing() {
        #expect(CurlTransfer.statusCode(in: Array("HTTP/1.1 503 Service Unavailable\r\n".utf8)) == 503)
        #expect(CurlTransfer.statusCode(in: Array("HTTP/2 200 \r\n".utf8)) == 200)
        #expect(CurlTransfer.statusCode(in: Array("HTTP/1.1 20\r\n".utf8)) == nil)
        #expect(CurlTransfer.statusCode(in: Array("HTTP/1.1\r\n".utf8)) == nil)
    }
}
