public import LVSEngine
public import LVSModel
import LVSPlan
import NIOCore
public import LVSHealth
import Prometheus
internal import Synchronization

/// What the daemon exports at `/metrics` (docs/operations.md): its own counters and gauges in a
/// Prometheus registry, and the IPVS counters of the services it manages, rendered at each tick
/// from the table it read, under the labels node_exporter's ipvs collector uses (plus the
/// config's service name), so that dashboards join the two.
public final class DaemonMetrics: Sendable {
    private let registry = PrometheusCollectorRegistry()
    private let reconciles: [String: Counter]
    private let duration: DurationHistogram
    private let lastReconcile: Gauge
    private let lastSuccess: Gauge
    private let drift: [String: Counter]
    private let pending: Gauge
    private let configValid: Gauge
    private let configLoaded: Gauge
    private let managedServices: Gauge
    private let managedServers: Gauge
    private let checkDurations: [String: DurationHistogram]
    private let checkLateness: DurationHistogram
    private let transitions: [String: Counter]
    private let reaction: DurationHistogram
    private let health = Mutex(HealthSeries())
    /// The table last read and the desired state it was planned against, for the IPVS part:
    /// rendered at each scrape, so that a tick does not render what nobody reads.
    private let table = Mutex<(live: LiveState, desired: DesiredState)?>(nil)
    /// The IPVS part's labels, and the buffers its families were last rendered into: once the
    /// parts they held are sent, the next scrape writes into the same memory, not into fresh
    /// pages.
    private let rendering = Mutex<(layout: IPVSMetrics.Layout, buffers: [ByteBuffer])>((IPVSMetrics.Layout(), []))

    public init() {
        let registry = self.registry
        func named(_ name: String, _ help: String) -> MetricNameDescriptor {
            MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
        }
        reconciles = Dictionary(uniqueKeysWithValues: ["unchanged", "applied", "refused", "failed"].map { result in
            (result, registry.makeCounter(
                descriptor: named("lvsctl_reconcile_total", "Reconciles run, by outcome: unchanged (nothing written), applied, refused, failed."),
                labels: [("result", result)]))
        })
        duration = registry.makeDurationHistogram(
            descriptor: named("lvsctl_reconcile_duration_seconds", "How long one reconcile took, from reading the director to confirming the result."),
            labels: [],
            buckets: [.milliseconds(10), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
                      .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10), .seconds(30), .seconds(60)])
        lastReconcile = registry.makeGauge(descriptor: named("lvsctl_last_reconcile_timestamp_seconds",
                                                             "When the last reconcile ended, in seconds since the epoch."))
        lastSuccess = registry.makeGauge(descriptor: named("lvsctl_last_success_timestamp_seconds",
                                                           "When a reconcile last ended with the director converged (or drift reported in detect mode)."))
        var drift: [String: Counter] = [:]
        for object in Change.Object.allCases {
            for action in Change.Action.allCases {
                drift["\(object.rawValue)/\(action.rawValue)"] = registry.makeCounter(
                    descriptor: named("lvsctl_drift_changes_total", "Changes found between the desired state and the director, by object and action."),
                    labels: [("object", object.rawValue), ("action", action.rawValue)])
            }
        }
        self.drift = drift
        pending = registry.makeGauge(descriptor: named("lvsctl_pending_changes",
                                                       "Changes found at the last reconcile and not carried out (detect mode, refused, failed)."))
        configValid = registry.makeGauge(descriptor: named("lvsctl_config_valid",
                                                           "1 when the config file last read was valid; 0 while an invalid one is ignored."))
        configLoaded = registry.makeGauge(descriptor: named("lvsctl_config_last_load_timestamp_seconds",
                                                            "When the config file was last read, valid or not."))
        managedServices = registry.makeGauge(descriptor: named("lvsctl_managed_services", "Services the desired state holds."))
        managedServers = registry.makeGauge(descriptor: named("lvsctl_managed_servers", "Real servers the desired state holds."))
        let checkBuckets: [Duration] = [.milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
                                        .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2), .seconds(5)]
        checkDurations = Dictionary(uniqueKeysWithValues: ["tcp", "http", "https", "dns", "exec"].map { type in
            (type, registry.makeDurationHistogram(
                descriptor: named("lvsctl_backend_check_duration_seconds", "How long one health check took, by check type."),
                labels: [("type", type)], buckets: checkBuckets))
        })
        checkLateness = registry.makeDurationHistogram(
            descriptor: named("lvsctl_backend_check_lateness_seconds",
                              "How long after its scheduled time a health check started (waiting for a free slot, a busy event loop)."),
            labels: [], buckets: checkBuckets)
        reaction = registry.makeDurationHistogram(
            descriptor: named("lvsctl_health_reaction_seconds",
                              "From a check's change of verdict to the end of the reconcile that wrote it to the kernel."),
            labels: [], buckets: checkBuckets)
        transitions = Dictionary(uniqueKeysWithValues: ["healthy", "failing"].map { verdict in
            (verdict, registry.makeCounter(
                descriptor: named("lvsctl_backend_transitions_total", "Changes of a check target's verdict, by the verdict it changed to."),
                labels: [("to", verdict)]))
        })
    }

    /// Counts one finished health check.
    public func recordCheck(_ event: CheckEvent) {
        checkDurations[event.target.check.probe.type]?.record(event.result.duration)
        checkLateness.record(event.lateness)
        if let transition = event.transition, transition.from != .unknown { transitions[transition.to.rawValue]?.increment() }
    }

    /// Counts the time from a change of verdict to the kernel write that carried it out.
    public func recordReaction(_ elapsed: Duration) { reaction.record(elapsed) }

    /// Keeps the health series of the last reconcile.
    func recordHealth(_ series: HealthSeries) {
        health.withLock { $0 = series }
    }

    /// Counts one reconcile that took `elapsed` and ended at `now` (seconds since the epoch).
    public func record(_ outcome: ReconcileOutcome, elapsed: Duration, now: Double, converged: Bool) {
        reconciles[outcome.result]?.increment()
        duration.record(elapsed)
        lastReconcile.set(to: now)
        if converged { lastSuccess.set(to: now) }
        if let plan = outcome.plan {
            for change in plan.changes { drift["\(change.object.rawValue)/\(change.action.rawValue)"]?.increment() }
        }
        pending.set(to: Double(outcome.pendingChanges))
    }

    /// Records a read of the config file: whether it was valid, and the state it gave (the last
    /// good one when it was not).
    public func recordConfig(valid: Bool, now: Double, state: DesiredState?) {
        configValid.set(to: valid ? 1 : 0)
        configLoaded.set(to: now)
        if let state {
            managedServices.set(to: Double(state.table.services.count))
            managedServers.set(to: Double(state.table.services.reduce(0) { $0 + $1.servers.count }))
        }
    }

    /// Keeps the counters of `live`, for the services `desired` manages.
    public func recordTable(_ live: LiveState, desired: DesiredState) {
        table.withLock { $0 = (live, desired) }
    }

    /// The exposition in the Prometheus text format 0.0.4, as parts rendered when they are
    /// taken: the daemon's own series now, then the IPVS counters a metric family at a time.
    public func exposition() -> MetricsExposition {
        var own: [UInt8] = []
        registry.emit(into: &own)
        var text = ""
        health.withLock { $0.render(into: &text) }
        own += text.utf8
        return MetricsExposition(own: ByteBuffer(bytes: own), table: table.withLock { $0 }, metrics: self)
    }

    /// The series of `table`, with the labels of the last scrape when its shape is the same,
    /// and two buffers to render its families into.
    func startRendering(_ table: (live: LiveState, desired: DesiredState)) -> (IPVSMetrics.Series, [ByteBuffer]) {
        rendering.withLock { rendering in
            let series = IPVSMetrics.Series(table.live, desired: table.desired, layout: &rendering.layout)
            var buffers = rendering.buffers
            rendering.buffers = []
            while buffers.count < 2 { buffers.append(ByteBuffer()) }
            return (series, buffers)
        }
    }

    /// Keeps `buffers` for the next scrape.
    func finishRendering(_ buffers: [ByteBuffer]) {
        rendering.withLock { $0.buffers = buffers }
    }
}
