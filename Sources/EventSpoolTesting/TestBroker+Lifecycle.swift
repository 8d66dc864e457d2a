import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// Listening, pausing and shutting down.
extension TestBroker {
    /// Listens again, on the same port as before.
    ///
    /// - Throws: ``TestBrokerError`` `alreadyListening` or `shutDown`, or the bind error (for instance when another
    ///   process took the port meanwhile).
    public func startListening() async throws {
        let port = try self.state.withLock { state in
            switch state.listener {
            case .listening, .binding:
                throw TestBrokerError(
                    code: .alreadyListening,
                    message: "the broker at \(self.host):\(state.port) is already listening"
                )
            case .shutDown:
                throw TestBrokerError(code: .shutDown, message: "the broker at \(self.host):\(state.port) is shut down")
            case .stopped:
                state.listener = .binding
                state.reservation?.release()
                state.reservation = nil
                return state.port
            }
        }
        let channel: any Channel
        do {
            channel = try await self.makeServerBootstrap().bind(host: self.host, port: port).get()
        } catch {
            self.state.withLock { state in
                if case .binding = state.listener { state.listener = .stopped }
            }
            throw error
        }
        let raced = self.state.withLock { state -> State.Listener? in
            guard case .binding = state.listener else { return state.listener }
            state.listener = .listening(channel)
            state.port = channel.localAddress?.port ?? port
            return nil
        }
        guard let raced else { return }
        // stopListening() or shutdown() ran while binding: that call won, so this listener goes away again.
        try? await channel.close()
        if case .shutDown = raced {
            throw TestBrokerError(code: .shutDown, message: "the broker at \(self.host):\(port) was shut down")
        }
    }

    /// Stops listening: new connections are refused (`ECONNREFUSED`) and open connections are closed, which also
    /// releases requests that a ``BrokerBehavior/hang`` holds.
    ///
    /// Returns once the listening socket and every connection are closed. Calling it when the broker is not
    /// listening does nothing.
    public func stopListening() async throws {
        let (listener, connections) = self.state.withLock { state -> ((any Channel)?, [any Channel]) in
            let listener: (any Channel)?
            switch state.listener {
            case .listening(let channel):
                listener = channel
                state.listener = .stopped
            case .binding:
                listener = nil
                state.listener = .stopped
            case .stopped, .shutDown:
                listener = nil
            }
            return (listener, Array(state.connections.values))
        }
        await Self.close(listener, connections)
        let port = self.port
        let reservation = PortReservation(port: port)
        let unused = self.state.withLock { state -> PortReservation? in
            guard case .stopped = state.listener, state.reservation == nil else { return reservation }
            state.reservation = reservation
            return nil
        }
        unused?.release()
    }

    /// Closes the listening socket and every connection, releasing hanging requests, and fails pending
    /// ``waitForRequests(count:timeout:)`` calls. Call it in every test; calling it twice is harmless.
    public func shutdown() async throws {
        let (listener, connections, waiters) = self.state.withLock { state in
            let listener: (any Channel)?
            if case .listening(let channel) = state.listener {
                listener = channel
            } else {
                listener = nil
            }
            state.listener = .shutDown
            state.reservation?.release()
            state.reservation = nil
            let waiters = Array(state.waiters.values)
            state.waiters.removeAll()
            return (listener, Array(state.connections.values), waiters)
        }
        for waiter in waiters {
            waiter.timer.cancel()
            waiter.continuation.resume(
                throwing: TestBrokerError(
                    code: .shutDown,
                    message: "the broker at \(self.url) was shut down before \(waiter.count) requests arrived"
                )
            )
        }
        await Self.close(listener, connections)
    }

    private static func close(_ listener: (any Channel)?, _ connections: [any Channel]) async {
        // Errors here only say that a channel was closed already (by its client, or by a behaviour).
        if let listener {
            try? await listener.close()
        }
        for connection in connections {
            try? await connection.close()
        }
    }

    private func makeServerBootstrap() -> ServerBootstrap {
        ServerBootstrap(group: self.eventLoopGroup)
            .serverChannelOption(.backlog, value: 256)
            // Restarting on the same port must work while connections closed by stopListening() are in TIME_WAIT.
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                guard let connectionID = self.admit(channel) else {
                    return channel.eventLoop.makeFailedFuture(
                        TestBrokerError(code: .shutDown, message: "the broker at \(self.url) stopped listening")
                    )
                }
                channel.closeFuture.whenComplete { _ in
                    self.state.withLock { _ = $0.connections.removeValue(forKey: connectionID) }
                }
                return channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    try pipeline.addHandler(ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .dropBytes)))
                    try pipeline.addHandler(
                        BrokerConnectionHandler(
                            broker: self,
                            connectionID: connectionID,
                            maxRequestBodySize: self.configuration.maxRequestBodySize
                        )
                    )
                }
            }
    }

    /// Counts and tracks a new connection, or refuses it when the broker stopped listening meanwhile.
    private func admit(_ channel: any Channel) -> Int? {
        self.state.withLock { state in
            switch state.listener {
            case .listening, .binding:
                state.acceptedConnections += 1
                state.connections[state.acceptedConnections] = channel
                return state.acceptedConnections
            case .stopped, .shutDown:
                return nil
            }
        }
    }
}
