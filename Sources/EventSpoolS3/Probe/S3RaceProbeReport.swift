import struct Foundation.Date

/// What an ``S3RaceProbe`` found: every round, and whether the store passed.
package struct S3RaceProbeReport: Sendable {
    /// One round of one race.
    package struct Round: Sendable, Hashable {
        package var race: S3RaceProbe.Race
        /// 1 for the first round of its race.
        package var index: Int
        /// Requests the store let win (answered 200, or 204 for a delete): exactly 1 in a passed round.
        package var winners: Int
        /// Requests turned down (412, 409, or 404).
        package var losers: Int
        /// Requests that failed otherwise (a 500, a timeout), in words.
        package var errors: [String]
        /// Whether the store holds the one winner's bytes (after deletes: nothing).
        package var storeHoldsWinnersBytes: Bool
        /// From the first request sent to the last answer.
        package var duration: Duration

        package init(
            race: S3RaceProbe.Race,
            index: Int,
            winners: Int,
            losers: Int,
            errors: [String],
            storeHoldsWinnersBytes: Bool,
            duration: Duration
        ) {
            self.race = race
            self.index = index
            self.winners = winners
            self.losers = losers
            self.errors = errors
            self.storeHoldsWinnersBytes = storeHoldsWinnersBytes
            self.duration = duration
        }

        /// Exactly one winner, every other writer turned down, and the store holds what the winner wrote. A round
        /// with a failed request proves nothing (the request may have been applied), so it does not pass either.
        package var passed: Bool { winners == 1 && errors.isEmpty && storeHoldsWinnersBytes }

        /// `create round 2: 3 winners of 16, 1 error (first: …), the store does not hold the winner's bytes`
        package var problem: String {
            var text =
                "\(race) round \(index) had \(winners) winner\(winners == 1 ? "" : "s") of \(winners + losers + errors.count)"
            if !errors.isEmpty {
                text += ", \(errors.count) failed request\(errors.count == 1 ? "" : "s") (first: \(errors[0]))"
            }
            if !storeHoldsWinnersBytes {
                text +=
                    race == .delete
                    ? ", and the object is still there" : ", and the store does not hold the winner's bytes"
            }
            return text
        }
    }

    package let configuration: S3RaceProbe.Configuration
    package let rounds: [Round]
    package let duration: Duration
    /// The store's `Server` header (`SeaweedFS`, `Werkzeug/3.1.3 Python/3.11.7`), when it sends one.
    package let server: String?
    /// The store's clock when the probe ended, when it sends a `Date` header.
    package let finishedAt: Date?

    package init(
        configuration: S3RaceProbe.Configuration,
        rounds: [Round],
        duration: Duration,
        server: String?,
        finishedAt: Date?
    ) {
        self.configuration = configuration
        self.rounds = rounds
        self.duration = duration
        self.server = server
        self.finishedAt = finishedAt
    }

    /// Whether every round passed: the store's conditional writes can be trusted.
    package var passed: Bool { !rounds.isEmpty && rounds.allSatisfy(\.passed) }

    /// The rounds that did not pass.
    package var failedRounds: [Round] { rounds.filter { !$0.passed } }

    /// The error a spool raises on a store that failed: what went wrong, and what EventSpool will not do.
    package func refusal(bucket: String, endpoint: String) -> String {
        let failed = failedRounds
        let first = failed.first.map(\.problem) ?? "no round ran"
        return "the store's conditional writes are not atomic: \(first)"
            + (failed.count > 1 ? " (and \(failed.count - 1) more failed rounds)" : "")
            + "; EventSpool refuses to run a sweeper lease on it (bucket \(bucket) at \(endpoint); "
            + "run 'spoolctl doctor' for the full probe, see docs/s3.md)"
    }

    /// One line per race: `create: 30/30 rounds with one winner of 16 (round p50 1.0 s, max 9.0 s)`, and one per
    /// failed round.
    package var summary: [String] {
        var lines: [String] = []
        for race in configuration.races {
            let raced = rounds.filter { $0.race == race }
            guard !raced.isEmpty else { continue }
            let durations = raced.map(\.duration).sorted()
            lines.append(
                "\(race): \(raced.filter(\.passed).count)/\(raced.count) rounds with one winner of "
                    + "\(configuration.writers) (round p50 \(Self.seconds(durations[durations.count / 2])), "
                    + "max \(Self.seconds(durations[durations.count - 1])))"
            )
        }
        for round in failedRounds {
            lines.append("  failed: \(round.problem)")
        }
        return lines
    }

    /// `1.02 s`.
    static func seconds(_ duration: Duration) -> String {
        let milliseconds = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        return "\(milliseconds / 1000).\(String(milliseconds % 1000 / 10).leftPadded(to: 2)) s"
    }
}

extension String {
    /// The text with zeros in front up to `width` characters.
    fileprivate func leftPadded(to width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}
