import Foundation
import Prometheus

/// Prometheus metrics of this process. Kept in the application, not the global MetricsSystem,
/// so tests can run many applications in one process.
public final class Metrics: Sendable {
    public let registry = PrometheusCollectorRegistry()

    public init() {}

    static var requests: MetricNameDescriptor { MetricNameDescriptor(namespace: "meghna", metricName: "http_requests", unitName: "total",
                                               helpText: "HTTP requests by method, route and status") }
    static var latency: MetricNameDescriptor { MetricNameDescriptor(namespace: "meghna", metricName: "http_request_duration", unitName: "seconds",
                                              helpText: "HTTP request latency by method and route") }
    static let buckets: [Duration] = [.milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
                                      .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5)]

    public func recordRequest(method: String, route: String, status: Int, seconds: Double) {
        registry.makeCounter(descriptor: Self.requests, labels: [("method", method), ("route", route), ("status", String(status))]).increment()
        registry.makeDurationHistogram(descriptor: Self.latency, labels: [("method", method), ("route", route)], buckets: Self.buckets)
            .recordNanoseconds(Int64(seconds * 1_000_000_000))
    }

    /// Sets the gauge meghna_<name>[_<unit>].
    public func setGauge(_ name: String, unit: String = "", help: String, _ value: Double, labels: [(String, String)] = []) {
        let descriptor = MetricNameDescriptor(namespace: "meghna", metricName: name, unitName: unit, helpText: help)
        registry.makeGauge(descriptor: descriptor, labels: labels).set(value)
    }

    public func render() -> String {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }
}
