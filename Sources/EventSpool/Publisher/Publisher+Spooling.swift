import EventSpoolModel
import EventSpoolStorage
import Logging

extension Publisher {
    /// Spools one event for the sweeper, after a broker did not take it or was not tried.
    func write(
        _ event: Event,
        record: DeliveryRecord,
        reason: SpoolReason
    ) async throws(PublishError)
        -> PublishOutcome
    {
        do {
            let (key, diversion) = try await put(event, record: record)
            var reason = reason
            reason.lastResort = diversion
            logger.info(
                "event spooled",
                metadata: [
                    "event.id": "\(event.id)", "event.type": "\(event.type)", "spool.key": "\(key)",
                    "spool.reason": "\(reason)",
                ]
            )
            return .spooled(key: key, reason: reason)
        } catch {
            throw PublishError(code: .notDurable, event: event, deliveryError: reason.deliveryError, cause: error)
        }
    }

    /// Writes one event to the spool; when the spool's local last resort took it (a ``LastResortSpool`` whose
    /// primary refused it), warns, naming both spools and why.
    ///
    /// - Returns: The object's key, and why it is in the last resort (`nil`: where the spool puts events first).
    func put(
        _ event: Event,
        record: DeliveryRecord
    ) async throws(SpoolError) -> (key: SpoolKey, diversion: LastResortDiversion?) {
        let events = [SpooledEvent(event: event, delivery: record)]
        guard let spool = spool as? LastResortSpool else {
            return (try await spool.put(events), nil)
        }
        let placed = try await spool.place(events)
        if let diversion = placed.diversion {
            logger.warning(
                "event spooled to the local last resort",
                metadata: [
                    "event.id": "\(event.id)", "spool.key": "\(placed.key)",
                    "spool.location": "\(diversion.lastResortLocation)",
                    "spool.primary": "\(diversion.primaryLocation)",
                    "spool.primaryError": "\(diversion.primaryError.map { "\($0)" } ?? "none")",
                    "spool.orderingKey": "\(diversion.orderingKey ?? "")",
                ]
            )
        }
        return placed
    }

    /// Whether events of `orderingKey` wait in the spool (or it cannot tell): then a new one must not overtake them.
    func orderingKeyIsWaiting(_ orderingKey: String) async -> Bool {
        do {
            return try await spool.hasWaitingEvents(orderingKey: orderingKey)
        } catch {
            // Unknown: spooling keeps the order, sending might not.
            logger.info("cannot check the ordering key; spooling to keep order", metadata: ["error": "\(error)"])
            return true
        }
    }
}
