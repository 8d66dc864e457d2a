import EventSpoolModel
import EventSpoolStorage
import Logging

import struct Foundation.Date

extension Sweeper {
    /// The oldest pending objects read for an alert's evidence: enough to find the last errors, few enough
    /// that an alert costs a handful of reads however large the backlog.
    static let alertEvidenceObjects = 8

    /// The alert for a finished sweep, when its backlog is past a threshold of ``Configuration/alert``.
    ///
    /// Counts `pending/` (one `lstat` per object) only when a fraction threshold is on and events are
    /// left; reads the oldest objects for the evidence only when a threshold is passed.
    func alert(for report: SweepReport) async -> SweepAlert? {
        let thresholds = configuration.alert
        guard thresholds.isEnabled, report.kind == .sweep, !report.lockHeld else { return nil }
        var pending = SpoolOccupancy.empty
        if thresholds.watchesLimits && (report.remaining > 0 || report.failure != nil) {
            do {
                pending = try await spool.occupancy(of: .pending)
            } catch {
                logger.info("cannot count pending/ for the alert thresholds", metadata: ["error": "\(error)"])
            }
        }
        let limits = spool.configuration.limits
        let breaches = SweepAlert.breaches(report: report, pending: pending, limits: limits, thresholds: thresholds)
        guard !breaches.isEmpty else { return nil }
        let (lastErrors, nextAttemptIn) = await oldestEvidence(endpointError: report.endpointError)
        return SweepAlert(
            breaches: breaches,
            pendingEvents: report.remaining,
            pending: pending,
            limits: limits,
            oldestPendingAge: report.oldestPendingAge,
            oldestNextAttemptIn: nextAttemptIn,
            lastErrors: lastErrors,
            endpoint: configuration.broker.displayURL
        )
    }

    /// The distinct last errors of the oldest pending objects (after the broker's 410, when there was one),
    /// and how long until the oldest object's next attempt.
    private func oldestEvidence(endpointError: AttemptError?) async -> ([AttemptError], Duration?) {
        var errors: [AttemptError] = endpointError.map { [$0] } ?? []
        var nextAttemptIn: Duration?
        var read = 0
        do {
            for try await entry in spool.list(.pending) {
                guard read < Self.alertEvidenceObjects, errors.count < SweepAlert.maxErrors else { break }
                read += 1
                guard let object = try? await spool.get(entry.key, in: .pending) else { continue }
                if nextAttemptIn == nil {
                    nextAttemptIn = .seconds(max(0, object.nextAttemptAt.timeIntervalSince(clock.now)))
                }
                for error in object.events.compactMap(\.delivery.lastError)
                where !errors.contains(error) && errors.count < SweepAlert.maxErrors {
                    errors.append(error)
                }
            }
        } catch {
            logger.info("cannot list pending/ for the alert's evidence", metadata: ["error": "\(error)"])
        }
        return (errors, nextAttemptIn)
    }
}
