import EventSpoolModel
import Instrumentation

/// The trace headers of the current task's `ServiceContext`, as the bootstrapped instrument
/// (swift-distributed-tracing's `InstrumentationSystem`) injects them: `traceparent` and `tracestate`
/// for a W3C Trace Context tracer, and whatever else the instrument propagates.
///
/// Used only for an event that carries no `traceparent` of its own: a trace context given at publish
/// time always wins.
package enum TraceHeaders {
    /// The headers the instrument injects for the current `ServiceContext`, or none when the task has no
    /// context. A header the client sets itself, a configured one, a malformed one, a `traceparent` that
    /// is not W3C Trace Context or a `tracestate` without one is left out.
    ///
    /// - Parameter configuredNames: Lower-cased names of the configured headers, which are not replaced.
    static func current(excluding configuredNames: Set<String> = []) -> [(name: String, value: String)] {
        guard let context = ServiceContext.current else { return [] }
        var injected: [(name: String, value: String)] = []
        InstrumentationSystem.instrument.inject(context, into: &injected, using: HeaderInjector())
        guard !injected.isEmpty else { return [] }

        var headers: [(name: String, value: String)] = []
        var hasTraceparent = false
        for header in injected {
            let name = header.name.lowercased()
            guard !configuredNames.contains(name), !headers.contains(where: { $0.name.lowercased() == name }) else {
                continue
            }
            switch name {
            case "traceparent":
                guard (try? TraceContext.validateTraceparent(header.value)) != nil else { continue }
                hasTraceparent = true
            case "tracestate":
                guard (try? Event.validateHeaderValue(header.value, field: name, maxLength: 512)) != nil else {
                    continue
                }
            default:
                guard BrokerClient.problem(withHeaderName: header.name, value: header.value) == nil else { continue }
            }
            headers.append(header)
        }
        if !hasTraceparent {
            headers.removeAll { $0.name.lowercased() == "tracestate" }
        }
        return headers
    }

    /// `event` with the current trace context as its `traceparent` and `tracestate`, when it has none:
    /// so that the context of the task that published an event travels with it into the spool and on
    /// every later attempt.
    package static func adoptingCurrentContext(_ event: Event) -> Event {
        guard event.traceparent == nil else { return event }
        let headers = current()
        guard let traceparent = headers.first(where: { $0.name.lowercased() == "traceparent" })?.value else {
            return event
        }
        var event = event
        event.traceparent = traceparent
        event.tracestate = headers.first { $0.name.lowercased() == "tracestate" }?.value
        return event
    }
}

/// Collects what an instrument injects as header lines.
private struct HeaderInjector: Injector {
    func inject(_ value: String, forKey key: String, into carrier: inout [(name: String, value: String)]) {
        carrier.append((key, value))
    }
}
