import CCurl

/// A reference for the concurrent row: what one thread driving libcurl's multi interface can do at best —
/// 16 easy handles, each added again as soon as its POST is answered, no Swift work in between. It shows
/// how far EventSpool's own transfer thread (the same libcurl calls, plus publishing) is from libcurl's
/// ceiling, and how far that ceiling is from wrk.
final class BareCurlMultiLoop: @unchecked Sendable {
    private let multi: UnsafeMutableRawPointer
    private let transfers: [BareCurlLoop]

    init(url: String, body: [UInt8], connections: Int) throws(BenchError) {
        guard let multi = curl_multi_init() else { throw BenchError("libcurl could not create a multi handle") }
        self.multi = multi
        var transfers: [BareCurlLoop] = []
        for _ in 0..<connections {
            transfers.append(try BareCurlLoop(url: url, body: body))
        }
        self.transfers = transfers
        _ = eventspool_multi_setopt_long(multi, CURLMOPT_MAX_HOST_CONNECTIONS, connections)
    }

    deinit {
        curl_multi_cleanup(multi)
    }

    /// POSTs on every handle until `duration` has passed, then lets the last ones finish.
    func run(for duration: Duration) async -> Sample {
        await onDedicatedThread { self.runBlocking(for: duration) }
    }

    private func runBlocking(for duration: Duration) -> Sample {
        measured(for: duration) { deadline in
            var sample = Sample(operations: 0, elapsed: .zero)
            for transfer in transfers {
                curl_multi_add_handle(multi, transfer.easy)
            }
            var running: Int32 = 1
            var easy: UnsafeMutableRawPointer?
            var code = CURLE_OK
            while running > 0 {
                curl_multi_perform(multi, &running)
                let more = ContinuousClock.now < deadline
                while eventspool_multi_next_done(multi, &easy, &code) != 0 {
                    guard let easy else { continue }
                    var status = 0
                    if code != CURLE_OK
                        || eventspool_easy_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &status) != CURLE_OK
                        || status / 100 != 2
                    {
                        sample.failures += 1
                    }
                    sample.operations += 1
                    curl_multi_remove_handle(multi, easy)
                    if more {
                        curl_multi_add_handle(multi, easy)
                        running += 1
                    }
                }
                if running > 0 {
                    curl_multi_poll(multi, nil, 0, 1000, nil)
                }
            }
            return sample
        }
    }
}
