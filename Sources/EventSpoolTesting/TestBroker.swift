public import NIOCore
import NIOHTTP1
public import NIOPosix
import Synchronization

/// A real HTTP/1.1 webhook broker on the loopback interface, scripted request by request, for tests,
/// the demo and the benchmarks.
///
/// The broker records every complete request (``requests``) and answers it with a ``BrokerBehavior``:
/// a status with headers and body, or a fault — a delay, a hang, a close or reset before or in the middle
/// of the response, non-HTTP bytes, a response dripped one byte at a time, a body too large to buffer.
/// It can stop listening (new connections are refused) and listen again on the same port, to play a
/// broker that goes down and comes back.
///
/// ```swift
/// try await withTestBroker { broker in
///     broker.enqueue(.status(503, headers: [("Retry-After", "1")]), .hang)
///     // … publish to broker.url …
///     let requests = try await broker.waitForRequests(count: 2)
/// }
/// ```
///
/// - Important: Call ``shutdown()`` (or use ``withTestBroker(host:port:configuration:isolation:_:)``) in every
///   test: it closes connections that a ``BrokerBehavior/hang`` holds open, so that no test leaks them or waits
///   forever.
public final class TestBroker: Sendable {
    /// How the broker records and limits requests.
    public struct Configuration: Sendable {
        /// Requests whose body is larger than this are answered 413 and the connection is closed; they are not
        /// recorded. Defaults to 64 MiB.
        public var maxRequestBodySize: Int
        /// Whether ``TestBroker/requests`` keeps every request. Benchmarks that send hundreds of thousands of
        /// events turn it off to keep memory flat; ``TestBroker/requestCount`` and
        /// ``TestBroker/waitForRequests(count:timeout:)`` still count them. Defaults to `true`.
        public var recordsRequests: Bool

        public init(maxRequestBodySize: Int = 64 * 1024 * 1024, recordsRequests: Bool = true) {
            self.maxRequestBodySize = maxRequestBodySize
            self.recordsRequests = recordsRequests
        }
    }

    /// The host the broker binds, as given to ``start(host:port:configuration:eventLoopGroup:)``.
    public let host: String
    /// How the broker records and limits requests.
    public let configuration: Configuration
    let eventLoopGroup: any EventLoopGroup
    let state: Mutex<State>

    private init(host: String, port: Int, configuration: Configuration, eventLoopGroup: any EventLoopGroup) {
        self.host = host
        self.configuration = configuration
        self.eventLoopGroup = eventLoopGroup
        self.state = Mutex(State(port: port))
    }

    /// Binds `host` on `port` (0 = any free port) and starts answering.
    ///
    /// - Parameters:
    ///   - host: The address to bind, `127.0.0.1` by default.
    ///   - port: The port to bind; 0 lets the system choose a free one (read it back from ``port``).
    ///   - configuration: Request limits and recording.
    ///   - eventLoopGroup: The loops that run the broker; NIO's shared singleton by default. A benchmark may give
    ///     the broker a group of its own.
    /// - Throws: The bind error when the address cannot be bound.
    public static func start(
        host: String = "127.0.0.1",
        port: Int = 0,
        configuration: Configuration = Configuration(),
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> TestBroker {
        let broker = TestBroker(host: host, port: port, configuration: configuration, eventLoopGroup: eventLoopGroup)
        try await broker.startListening()
        return broker
    }

    // MARK: - Where it listens

    /// The port the broker listens on (the one the system chose when it was started on port 0).
    public var port: Int {
        self.state.withLock { $0.port }
    }

    /// The webhook URL to publish to: `http://<host>:<port>/events`.
    public var url: String {
        let authority = self.host.contains(":") ? "[\(self.host)]" : self.host
        return "http://\(authority):\(self.port)/events"
    }

    /// Whether the broker currently accepts connections.
    public var isListening: Bool {
        self.state.withLock {
            switch $0.listener {
            case .listening, .binding: true
            case .stopped, .shutDown: false
            }
        }
    }

    /// How many TCP connections the broker has accepted since it started (to prove keep-alive reuse).
    public var acceptedConnections: Int {
        self.state.withLock { $0.acceptedConnections }
    }

    /// How many connections are open right now.
    public var openConnections: Int {
        self.state.withLock { $0.connections.count }
    }

    /// The open connections' channels, for tests of the broker itself.
    var connectionChannels: [any Channel] {
        self.state.withLock { Array($0.connections.values) }
    }

    // MARK: - What it received

    /// Every complete request received so far, in arrival order, including those answered by a fault.
    ///
    /// Empty when ``Configuration/recordsRequests`` is off.
    public var requests: [RecordedRequest] {
        self.state.withLock { $0.requests }
    }

    /// How many complete requests have arrived so far (counted even when requests are not recorded).
    public var requestCount: Int {
        self.state.withLock { $0.requestCount }
    }

    /// Waits until at least `count` requests have arrived and returns ``requests`` as they were then.
    ///
    /// Waiting is event-driven: the broker resumes the caller when the request that reaches `count` has been read
    /// in full and recorded, before its behaviour runs.
    ///
    /// - Throws: ``TestBrokerError`` with code `timedOut` when `timeout` passes first, `shutDown` when the broker is
    ///   or gets shut down, and `CancellationError` when the task is cancelled.
    public func waitForRequests(count: Int, timeout: Duration = .seconds(30)) async throws -> [RecordedRequest] {
        let waiterID = self.state.withLock { state in
            defer { state.nextWaiterID += 1 }
            return state.nextWaiterID
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let timer = self.eventLoopGroup.any().scheduleTask(in: TimeAmount(timeout)) {
                    self.endWait(
                        waiterID,
                        with: TestBrokerError(
                            code: .timedOut,
                            message: "\(count) requests did not reach \(self.url) within \(timeout)"
                                + " (\(self.requestCount) did)"
                        )
                    )
                }
                let outcome = self.state.withLock { state in
                    state.addWaiter(waiterID, count: count, continuation: continuation, timer: timer)
                }
                switch outcome {
                case .waiting:
                    break
                case .ready(let requests):
                    timer.cancel()
                    continuation.resume(returning: requests)
                case .failed(let error):
                    timer.cancel()
                    continuation.resume(throwing: error)
                case .shutDown:
                    timer.cancel()
                    continuation.resume(
                        throwing: TestBrokerError(
                            code: .shutDown,
                            message: "the broker at \(self.url) is shut down; \(count) requests will never arrive"
                        )
                    )
                }
            }
        } onCancel: {
            self.endWait(waiterID, with: CancellationError())
        }
    }

    /// Fails one waiter, or remembers the failure when the waiter has not registered yet.
    private func endWait(_ waiterID: Int, with error: any Error) {
        let waiter = self.state.withLock { state in
            guard let waiter = state.waiters.removeValue(forKey: waiterID) else {
                state.endedWaiters[waiterID] = error
                return State.Waiter?.none
            }
            return waiter
        }
        waiter?.timer.cancel()
        waiter?.continuation.resume(throwing: error)
    }

    // MARK: - Scripting

    /// Scripts the next requests: each request takes the next behaviour from this FIFO queue, and the default
    /// (``setDefaultBehavior(_:)``) once the queue is empty.
    public func enqueue(_ behaviors: BrokerBehavior...) {
        self.enqueue(contentsOf: behaviors)
    }

    /// Scripts the next requests from an array (see ``enqueue(_:)``).
    public func enqueue(contentsOf behaviors: [BrokerBehavior]) {
        self.state.withLock { $0.queue.append(contentsOf: behaviors) }
    }

    /// The behaviour for requests that find the queue empty; initially `.status(204)`.
    public func setDefaultBehavior(_ behavior: BrokerBehavior) {
        self.state.withLock { $0.defaultBehavior = behavior }
    }

    /// Sets (or, with `nil`, clears) a function of the request index that overrides the queue and the default,
    /// for flapping schedules. While it is set, the queue is left untouched.
    ///
    /// The index counts every request the broker has received since it started, from 0. The function runs on
    /// the connection's event loop, outside the broker's lock: it must not block.
    public func setSchedule(_ schedule: (@Sendable (_ requestIndex: Int) -> BrokerBehavior)?) {
        self.state.withLock { $0.schedule = schedule }
    }

    /// Counts and records (when it is given) a complete request, and picks its behaviour; called by the
    /// connection handler.
    func receive(_ request: RecordedRequest?) -> BrokerBehavior {
        let (index, schedule, behavior, ready) = self.state.withLock { state in
            let index = state.requestCount
            state.requestCount += 1
            if let request {
                state.requests.append(request)
            }
            let ready = state.takeSatisfiedWaiters()
            if let schedule = state.schedule {
                return (index, Optional(schedule), BrokerBehavior?.none, ready)
            }
            return (index, nil, state.queue.popFirst() ?? state.defaultBehavior, ready)
        }
        for (waiter, requests) in ready {
            waiter.timer.cancel()
            waiter.continuation.resume(returning: requests)
        }
        if let schedule {
            return schedule(index)
        }
        return behavior ?? .status(204)
    }
}

/// Starts a ``TestBroker``, runs `body` with it, and shuts the broker down whether `body` returns or throws.
///
/// - Parameters:
///   - host: The address to bind, `127.0.0.1` by default.
///   - port: The port to bind; 0 (the default) lets the system choose.
///   - configuration: Request limits and recording.
///   - body: The test, given the running broker.
/// - Returns: What `body` returns.
/// - Throws: The start error, what `body` throws, or the shutdown error.
public func withTestBroker<T: Sendable>(
    host: String = "127.0.0.1",
    port: Int = 0,
    configuration: TestBroker.Configuration = TestBroker.Configuration(),
    isolation: isolated (any Actor)? = #isolation,
    _ body: (TestBroker) async throws -> T
) async throws -> T {
    let broker = try await TestBroker.start(host: host, port: port, configuration: configuration)
    let result: T
    do {
        result = try await body(broker)
    } catch {
        try? await broker.shutdown()
        throw error
    }
    try await broker.shutdown()
    return result
}
