import Logging

/// Proves, or disproves, that a store's conditional writes are atomic: several S3-compatible servers have shipped
/// `If-None-Match` and `If-Match` that check first and write later, letting two writers both win — and a sweeper
/// lease, a create-once put or a compare-and-swap replace on such a store protects nothing.
///
/// Each round sends ``Configuration/writers`` conditional requests for one fresh key at once, on warm
/// connections, each tried once: creates (`PUT If-None-Match: *`), replaces of one version (`PUT If-Match`), or
/// deletes of one version (`DELETE If-Match`). Every writer sends different bytes, so every version has its own
/// ETag. A round passes when exactly one request won, every other one was turned down (412, 409, or moto's 404),
/// none failed otherwise, and the store holds what the winner wrote (after deletes: nothing). A loser answered
/// 200 is a second winner. The probe's objects live under `<prefix>/probe/<run>/` and are deleted as it goes.
///
/// On SeaweedFS the losers wait in the store's 1-second lock retries, so a round of 16 writers takes up to 9 s and
/// the full probe (30 rounds of each race) minutes: the full probe is for an operator (`spoolctl doctor`), a short
/// one (``startup``) runs before a spool's first sweeper lease (``requirePassed(client:maxAge:probe:logger:)``).
/// moto passes with small bodies and fails with 4 KiB ones when started with `MOTO_S3_DEFAULT_KEY_BUFFER_SIZE=1024`
/// (docs/s3.md).
package struct S3RaceProbe: Sendable {
    /// One kind of race.
    package enum Race: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
        /// Creates of one key (`PUT If-None-Match: *`): the spool's puts, the lease's acquisition.
        case create
        /// Replaces of one version (`PUT If-Match`): the lease's renewal and take-over, a replaced object.
        case replace
        /// Deletes of one version (`DELETE If-Match`): a move's second half, a settled object.
        case delete

        package var description: String { rawValue }
    }

    /// How hard to race.
    package struct Configuration: Sendable, Hashable {
        /// Requests per round, sent at once.
        package var writers: Int
        /// Rounds of each race.
        package var rounds: Int
        /// Bytes per object written (moto's non-atomic path shows above its key buffer size).
        package var bodyBytes: Int
        /// The races to run, in this order.
        package var races: [Race]
        /// Whether the probe ends at the first round that fails (a start-up check needs no more).
        package var stopsAtFirstFailure: Bool

        package init(
            writers: Int = 16,
            rounds: Int = 30,
            bodyBytes: Int = 4096,
            races: [Race] = Race.allCases,
            stopsAtFirstFailure: Bool = false
        ) {
            self.writers = writers
            self.rounds = rounds
            self.bodyBytes = bodyBytes
            self.races = races
            self.stopsAtFirstFailure = stopsAtFirstFailure
        }
    }

    /// The full probe of `spoolctl doctor`: 30 rounds of 16 writers for each race (minutes on SeaweedFS).
    package static let full = S3RaceProbe(configuration: Configuration())
    /// The short probe run before a spool's first sweeper lease when no passed probe is recorded: 3 rounds of 8
    /// writers creating and replacing, ending at the first failed round.
    package static let startup = S3RaceProbe(
        configuration: Configuration(writers: 8, rounds: 3, races: [.create, .replace], stopsAtFirstFailure: true)
    )

    /// Where the probe's objects live, below the configured prefix.
    package static let folder = "probe"

    package let configuration: Configuration

    package init(configuration: Configuration) {
        self.configuration = configuration
    }

    /// Runs the probe in the bucket of `store`, on a client of its own: a connection per writer, one attempt per
    /// request (a retry would blur who won), and time for SeaweedFS's losers to wait their turn.
    ///
    /// - Throws: ``S3Error`` when the store cannot be used at all (refused, unreachable, a missing bucket) or the
    ///   probe is misconfigured; a store that answers but lets more than one writer win is a report that did not
    ///   pass, not an error.
    package func run(store: S3Configuration, logger: Logger) async throws(S3Error) -> S3RaceProbeReport {
        guard configuration.writers >= 2, configuration.rounds >= 1, !configuration.races.isEmpty else {
            throw store.invalid(
                "a race probe needs at least 2 writers, 1 round and 1 race, not \(configuration.writers) writers, "
                    + "\(configuration.rounds) rounds and \(configuration.races.count) races"
            )
        }
        var settings = store
        settings.maxConnections = configuration.writers
        settings.retry.maxAttempts = 1
        settings.timeout.request = max(settings.timeout.request, .seconds(60))
        settings.timeout.operation = settings.timeout.request
        let client = try S3Client(configuration: settings, logger: logger)
        let result: Result<S3RaceProbeReport, S3Error>
        do {
            result = .success(try await run(client: client))
        } catch {
            result = .failure(error)
        }
        await client.shutdown()
        return try result.get()
    }

    private func run(client: S3Client) async throws(S3Error) -> S3RaceProbeReport {
        let started = ContinuousClock.now
        let runID = String(UInt64.random(in: 0...UInt64.max), radix: 16)
        let folder = client.key("\(Self.folder)/\(runID)")
        let warmUpKey = "\(folder)/warm-up"
        try await warmUp(client, key: warmUpKey)
        var rounds: [S3RaceProbeReport.Round] = []
        races: for race in configuration.races {
            for index in 1...configuration.rounds {
                let key = "\(folder)/\(race)-\(index)"
                let round: S3RaceProbeReport.Round
                do {
                    round = try await self.round(race, index: index, key: key, client: client)
                } catch {
                    try? await client.delete(key)
                    throw error
                }
                rounds.append(round)
                try await client.delete(key)
                if !round.passed && configuration.stopsAtFirstFailure { break races }
            }
        }
        let store = try await client.serverSoftware(key: warmUpKey)
        return S3RaceProbeReport(
            configuration: configuration,
            rounds: rounds,
            duration: .now - started,
            server: store.name,
            finishedAt: store.date
        )
    }

    /// Opens one connection per writer, so that the first round races requests, not connection set-ups; and
    /// finds out on the way whether the store answers at all (a HEAD of a key that does not exist).
    private func warmUp(_ client: S3Client, key: String) async throws(S3Error) {
        let failures = await withTaskGroup(of: S3Error?.self) { group in
            for _ in 0..<configuration.writers {
                group.addTask {
                    do throws(S3Error) {
                        _ = try await client.head(key)
                        return nil
                    } catch {
                        return error
                    }
                }
            }
            var failures: [S3Error] = []
            for await case let failure? in group { failures.append(failure) }
            return failures
        }
        if let first = failures.first { throw first }
    }

    /// Bytes that differ for every race, round and writer (writer -1: a round's first version), so that every
    /// version has an ETag of its own.
    func body(race: Race, round: Int, writer: Int) -> [UInt8] {
        let label = Array("eventspool race probe: \(race) round \(round) writer \(writer)\n".utf8)
        var bytes = label
        while bytes.count < configuration.bodyBytes {
            bytes += label
        }
        // Never shorter than one whole label: the label is what makes the bytes differ.
        return Array(bytes.prefix(max(configuration.bodyBytes, label.count)))
    }
}
