import EventSpoolModel

import struct Foundation.Data
import struct Foundation.Date
import class Foundation.JSONDecoder
import class Foundation.JSONEncoder

/// A passed race probe, recorded in the bucket as `<prefix>/probe/passed` so that every spool opening the bucket
/// need not race it again:
/// `{"format":1,"passedAt":"2026-11-30T17:40:02Z","rounds":3,"writers":8,"races":["create","replace"],"server":"SeaweedFS"}`.
///
/// `passedAt` is the store's clock (its `Date` header) when the probe ended, so its age is judged in the store's
/// time, whatever the clocks of the hosts say.
package struct S3ProbeRecord: Codable, Sendable, Hashable {
    /// The record's format: 1.
    package var format: Int
    /// The store's clock when the probe passed; `nil` when the store sends no `Date` (such a record is never
    /// fresh).
    package var passedAt: Date?
    /// Rounds of each race.
    package var rounds: Int
    /// Writers per round.
    package var writers: Int
    /// The races run (`create`, `replace`, `delete`).
    package var races: [String]
    /// The store's `Server` header during the probe: a different one (another store behind the endpoint, another
    /// version) is probed again.
    package var server: String?

    package init(_ report: S3RaceProbeReport) {
        format = 1
        passedAt = report.finishedAt
        rounds = report.configuration.rounds
        writers = report.configuration.writers
        races = report.configuration.races.map(\.rawValue)
        server = report.server
    }

    /// The record as JSON bytes.
    package var json: [UInt8] {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        // Encoding strings, numbers and dates cannot fail.
        return (try? Array(encoder.encode(self))) ?? []
    }

    /// The record `bytes` hold, or `nil` when they are not one (format 1).
    package init?(json bytes: [UInt8]) {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        guard let record = try? decoder.decode(S3ProbeRecord.self, from: Data(bytes)), record.format == 1 else {
            return nil
        }
        self = record
    }

    /// Whether the record still vouches for the store at `now` (store time): passed less than `maxAge` ago (a
    /// `passedAt` more than a day ahead of `now` is a clock stepped back, and vouches for nothing), by the same
    /// `server`, with at least `writers` writers and `rounds` rounds.
    package func vouches(at now: Date?, maxAge: Duration, server: String?, probe: S3RaceProbe.Configuration) -> Bool {
        guard let now, let passedAt, server == self.server, writers >= probe.writers, rounds >= probe.rounds,
            Set(probe.races.map(\.rawValue)).isSubset(of: races)
        else { return false }
        let ahead = passedAt.timeIntervalSince(now)
        guard ahead < 86_400 else { return false }
        return Duration.age(of: passedAt, at: now) < maxAge
    }
}
