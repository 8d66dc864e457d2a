import CoreMetrics
import Prometheus

/// The swift-metrics backend of a `sweep --metrics-file` run: the library's counters and gauges land in
/// the Prometheus registry with the help text of ``MetricsCatalogue`` (swift-prometheus's own factory
/// registers bridged metrics without one); anything not in the catalogue goes through that factory as is.
///
/// Timers are not exported: a histogram must accumulate, and this process ends after one pass.
struct DocumentedMetricsFactory: MetricsFactory {
    let prometheus: PrometheusMetricsFactory

    init(registry: PrometheusCollectorRegistry) {
        var prometheus = PrometheusMetricsFactory(registry: registry)
        prometheus.nameAndLabelSanitizer = MetricsCatalogue.bridged
        self.prometheus = prometheus
    }

    func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        let (name, labels) = MetricsCatalogue.bridged(label, dimensions)
        guard MetricsCatalogue.help(name) != nil else {
            return prometheus.makeCounter(label: label, dimensions: dimensions)
        }
        return prometheus.registry.makeCounter(descriptor: MetricsCatalogue.descriptor(name), labels: labels)
    }

    func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler {
        let (name, labels) = MetricsCatalogue.bridged(label, dimensions)
        guard MetricsCatalogue.help(name) != nil else {
            return prometheus.makeFloatingPointCounter(label: label, dimensions: dimensions)
        }
        return prometheus.registry.makeCounter(descriptor: MetricsCatalogue.descriptor(name), labels: labels)
    }

    func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        let (name, labels) = MetricsCatalogue.bridged(label, dimensions)
        guard !aggregate, MetricsCatalogue.help(name) != nil else {
            return prometheus.makeRecorder(label: label, dimensions: dimensions, aggregate: aggregate)
        }
        return prometheus.registry.makeGauge(descriptor: MetricsCatalogue.descriptor(name), labels: labels)
    }

    func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        let (name, labels) = MetricsCatalogue.bridged(label, dimensions)
        guard MetricsCatalogue.help(name) != nil else {
            return prometheus.makeMeter(label: label, dimensions: dimensions)
        }
        return prometheus.registry.makeGauge(descriptor: MetricsCatalogue.descriptor(name), labels: labels)
    }

    func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        NOOPMetricsHandler.instance
    }

    func destroyCounter(_ handler: any CounterHandler) { prometheus.destroyCounter(handler) }
    func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) {
        prometheus.destroyFloatingPointCounter(handler)
    }
    func destroyRecorder(_ handler: any RecorderHandler) { prometheus.destroyRecorder(handler) }
    func destroyMeter(_ handler: any MeterHandler) { prometheus.destroyMeter(handler) }
    func destroyTimer(_ handler: any TimerHandler) {}
}
