import EventSpoolModel
public import Logging

/// Runs `body` with a new publisher and always shuts it down afterwards, also when `body` throws.
///
/// - Parameters:
///   - configuration: The publisher's configuration.
///   - clock: The wall clock; tests pass one they move by hand.
///   - logger: Where the publisher logs.
///   - body: The work to do with the publisher.
public func withPublisher<Result: Sendable>(
    configuration: Publisher.Configuration,
    clock: any WallClock = SystemWallClock(),
    logger: Logger,
    _ body: (Publisher) async throws -> Result
) async throws -> Result {
    let publisher = try Publisher(configuration: configuration, clock: clock, logger: logger)
    let result: Result
    do {
        result = try await body(publisher)
    } catch {
        await publisher.shutdown()
        throw error
    }
    await publisher.shutdown()
    return result
}
