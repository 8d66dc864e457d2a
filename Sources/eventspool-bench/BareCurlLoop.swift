import CCurl

/// The serial baseline: `curl_easy_perform` in a loop on one reused handle (so one keep-alive
/// connection), through the same `CCurl` shim the library uses, POSTing the headers and body a
/// publish sends.
///
/// It blocks in `curl_easy_perform`, so it runs on a thread of its own.
final class BareCurlLoop: @unchecked Sendable {
    /// The easy handle, set up for the POST (``BareCurlMultiLoop`` drives several of them).
    let easy: UnsafeMutableRawPointer
    private var headers: UnsafeMutablePointer<curl_slist>?
    private let body: UnsafeMutableRawBufferPointer

    init(url: String, body: [UInt8]) throws(BenchError) {
        guard eventspool_global_init() == CURLE_OK, let easy = curl_easy_init() else {
            throw BenchError("libcurl could not create an easy handle")
        }
        self.easy = easy
        self.body = .allocate(byteCount: body.count, alignment: 1)
        self.body.copyBytes(from: body)
        // What `BrokerRequest` lays out for a binary-mode event, with fixed values.
        let id = "01900000-0000-7000-8000-000000000000"
        for line in [
            "ce-specversion: 1.0", "ce-id: \(id)", "ce-source: /bench", "ce-type: com.example.bench",
            "ce-time: 2025-01-01T00:00:00.123Z", "Content-Type: application/json", "Idempotency-Key: \(id)",
            "webhook-id: \(id)", "Expect:",
        ] {
            headers = curl_slist_append(headers, line)
        }
        let codes = [
            eventspool_easy_setopt_string(easy, CURLOPT_URL, url),
            eventspool_easy_setopt_long(easy, CURLOPT_NOSIGNAL, 1),
            eventspool_easy_setopt_long(easy, CURLOPT_CONNECTTIMEOUT_MS, 2000),
            eventspool_easy_setopt_long(easy, CURLOPT_TIMEOUT_MS, 5000),
            eventspool_easy_setopt_data_callback(easy, CURLOPT_WRITEFUNCTION) { _, size, count, _ in size * count },
            eventspool_easy_setopt_slist(easy, CURLOPT_HTTPHEADER, headers),
            eventspool_easy_setopt_off_t(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count)),
            eventspool_easy_setopt_pointer(easy, CURLOPT_POSTFIELDS, self.body.baseAddress),
        ]
        if let failed = codes.first(where: { $0 != CURLE_OK }) {
            throw BenchError("libcurl refused an option: \(String(cString: curl_easy_strerror(failed)))")
        }
    }

    deinit {
        curl_easy_cleanup(easy)
        curl_slist_free_all(headers)
        body.deallocate()
    }

    /// POSTs until `duration` has passed.
    func run(for duration: Duration) async -> Sample {
        await onDedicatedThread { self.runBlocking(for: duration) }
    }

    private func runBlocking(for duration: Duration) -> Sample {
        measured(for: duration) { deadline in
            var sample = Sample(operations: 0, elapsed: .zero)
            repeat {
                var status = 0
                if curl_easy_perform(easy) != CURLE_OK
                    || eventspool_easy_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &status) != CURLE_OK
                    || status / 100 != 2
                {
                    sample.failures += 1
                }
                sample.operations += 1
            } while ContinuousClock.now < deadline
            return sample
        }
    }
}
