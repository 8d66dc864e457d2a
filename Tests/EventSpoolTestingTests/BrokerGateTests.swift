import Testing

@testable import EventSpoolTesting

/// ``BrokerBehavior/held(by:then:)``: the request is recorded at once and answered once the gate opens, while
/// the broker keeps answering other connections.
@Suite struct BrokerGateTests {
    @Test func aHeldRequestIsRecordedAtOnceAndAnsweredWhenTheGateOpens() async throws {
        try await withTestBroker { broker in
            let gate = BrokerGate()
            broker.enqueue(.held(by: gate, then: .status(201, body: "late")), .status(202, body: "other"))
            try await LoopbackClient.withHTTPConnection(port: broker.port) { held in
                try await held.send(body: "held")
                #expect(try await broker.waitForRequests(count: 1).map(\.bodyText) == ["held"])
                // Another connection is answered meanwhile.
                let other = try await LoopbackClient.withHTTPConnection(port: broker.port) { connection in
                    try await connection.exchange(body: "other")
                }
                #expect(other?.status == 202)
                #expect(!gate.isOpen)
                gate.open()
                let response = try await held.response()
                #expect(response?.status == 201)
                #expect(response?.bodyText == "late")
            }
            // An open gate lets later requests straight through.
            broker.enqueue(.held(by: gate, then: .status(203)))
            let after = try await LoopbackClient.withHTTPConnection(port: broker.port) {
                try await $0.exchange(body: "x")
            }
            #expect(after?.status == 203)
        }
    }
}
