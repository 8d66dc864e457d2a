// One round: the writers sent at once, their answers sorted into winners, losers and failures, and what the
// store holds afterwards compared with the winner's bytes.
extension S3RaceProbe {
    /// What one writer's request came to.
    private enum Answer: Sendable {
        /// 200 (or 204 for a delete): the store says this writer won.
        case won
        /// 412, 409 or 404: turned down.
        case lost
        /// No answer, or one that is neither: a 500, a timeout, a 200 with another object's ETag.
        case failed(S3Error)
    }

    func round(
        _ race: Race,
        index: Int,
        key: String,
        client: S3Client
    ) async throws(S3Error)
        -> S3RaceProbeReport.Round
    {
        let bodies = (0..<configuration.writers).map { body(race: race, round: index, writer: $0) }
        var firstVersion: S3ETag?
        if race != .create {
            let first = body(race: race, round: index, writer: -1)
            guard case .created(let receipt) = try await client.putIfAbsent(key, bytes: first) else {
                throw S3Error(
                    code: .badResponse,
                    operation: "race probe",
                    bucket: client.configuration.bucket,
                    key: key,
                    url: client.endpoint.url(key: key),
                    message: "the fresh key of \(race) round \(index) already exists"
                )
            }
            firstVersion = receipt.etag
        }
        let base = firstVersion
        let started = ContinuousClock.now
        let answers = await withTaskGroup(of: (Int, Answer).self) { group in
            for (writer, bytes) in bodies.enumerated() {
                group.addTask {
                    (writer, await Self.send(race, key: key, bytes: bytes, base: base, client: client))
                }
            }
            var answers: [(Int, Answer)] = []
            for await answer in group { answers.append(answer) }
            return answers
        }
        let duration = ContinuousClock.now - started
        var winners: [Int] = []
        var losers = 0
        var errors: [String] = []
        for (writer, answer) in answers {
            switch answer {
            case .won: winners.append(writer)
            case .lost: losers += 1
            case .failed(let error): errors.append(error.description)
            }
        }
        // What the store holds now must be the one winner's doing.
        let stored = try await client.get(key)
        let holdsWinnersBytes: Bool
        switch (race, stored) {
        case (.delete, .notFound): holdsWinnersBytes = true
        case (.delete, .found): holdsWinnersBytes = false
        case (_, .found(let object)): holdsWinnersBytes = winners.count == 1 && object.bytes == bodies[winners[0]]
        case (_, .notFound): holdsWinnersBytes = false
        }
        return S3RaceProbeReport.Round(
            race: race,
            index: index,
            winners: winners.count,
            losers: losers,
            errors: errors,
            storeHoldsWinnersBytes: holdsWinnersBytes,
            duration: duration
        )
    }

    /// One writer's request, tried once.
    private static func send(
        _ race: Race,
        key: String,
        bytes: [UInt8],
        base: S3ETag?,
        client: S3Client
    ) async -> Answer {
        do throws(S3Error) {
            switch race {
            case .create:
                if case .created = try await client.putIfAbsent(key, bytes: bytes) { return .won }
            case .replace:
                guard let base else { return .lost }
                if case .replaced = try await client.putIfMatch(key, bytes: bytes, etag: base) { return .won }
            case .delete:
                guard let base else { return .lost }
                if case .deleted = try await client.deleteIfMatch(key, etag: base) { return .won }
            }
            return .lost
        } catch {
            return .failed(error)
        }
    }
}
