import EventSpool

/// What `doctor --json` writes: one object, every field present (`null` where there is nothing).
struct DoctorResult: JSONFields {
    struct Write: JSONFields {
        var key: String
        var ok: Bool
        var problem: String?
        var seconds: Double

        var jsonFields: [(String, (any Encodable)?)] {
            [("key", key), ("ok", ok), ("problem", problem), ("seconds", seconds)]
        }
    }

    /// One race: how many rounds had one winner, and how long rounds took.
    struct Race: JSONFields {
        var race: String
        var rounds: Int
        var passedRounds: Int
        var p50Seconds: Double
        var maxSeconds: Double

        var jsonFields: [(String, (any Encodable)?)] {
            [
                ("race", race), ("rounds", rounds), ("passedRounds", passedRounds), ("p50Seconds", p50Seconds),
                ("maxSeconds", maxSeconds),
            ]
        }
    }

    /// A round that did not pass.
    struct FailedRound: JSONFields {
        var race: String
        var round: Int
        var winners: Int
        var losers: Int
        var errors: [String]
        var problem: String

        var jsonFields: [(String, (any Encodable)?)] {
            [
                ("race", race), ("round", round), ("winners", winners), ("losers", losers), ("errors", errors),
                ("problem", problem),
            ]
        }
    }

    struct Probe: JSONFields {
        var rounds: Int
        var writers: Int
        var bodyBytes: Int
        var seconds: Double
        var races: [Race]
        var failedRounds: [FailedRound]

        var jsonFields: [(String, (any Encodable)?)] {
            [
                ("rounds", rounds), ("writers", writers), ("bodyBytes", bodyBytes), ("seconds", seconds),
                ("races", races), ("failedRounds", failedRounds),
            ]
        }
    }

    var backend: String
    var location: String
    var endpoint: String?
    var server: String?
    var write: Write?
    var probe: Probe?
    var passed: Bool
    var recorded: Bool

    var jsonFields: [(String, (any Encodable)?)] {
        [
            ("backend", backend), ("location", location), ("endpoint", endpoint), ("server", server),
            ("write", write), ("probe", probe), ("passed", passed), ("recorded", recorded),
        ]
    }

    /// A directory spool: nothing to probe.
    init(directory: String) {
        backend = "directory"
        location = directory
        passed = true
        recorded = false
    }

    init(_ report: S3StoreCheck.Report) {
        backend = "s3"
        location = report.location
        endpoint = report.endpoint
        server = report.server
        write = Write(
            key: report.write.key,
            ok: report.write.problem == nil,
            problem: report.write.problem,
            seconds: Self.seconds(report.write.duration)
        )
        probe = report.probe.map { probe in
            Probe(
                rounds: probe.configuration.rounds,
                writers: probe.configuration.writers,
                bodyBytes: probe.configuration.bodyBytes,
                seconds: Self.seconds(probe.duration),
                races: probe.configuration.races.compactMap { race in
                    let raced = probe.rounds.filter { $0.race == race }
                    let durations = raced.map(\.duration).sorted()
                    guard let last = durations.last else { return nil }
                    return Race(
                        race: race.rawValue,
                        rounds: raced.count,
                        passedRounds: raced.filter(\.passed).count,
                        p50Seconds: Self.seconds(durations[durations.count / 2]),
                        maxSeconds: Self.seconds(last)
                    )
                },
                failedRounds: probe.failedRounds.map {
                    FailedRound(
                        race: $0.race.rawValue,
                        round: $0.index,
                        winners: $0.winners,
                        losers: $0.losers,
                        errors: $0.errors,
                        problem: $0.problem
                    )
                }
            )
        }
        passed = report.passed
        recorded = report.recorded
    }

    /// Seconds, rounded to milliseconds.
    static func seconds(_ duration: Duration) -> Double {
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
        return (seconds * 1000).rounded() / 1000
    }
}
