internal import Glibc
import LVSJSON
import NIOCore

/// What the daemon serves over HTTP (docs/operations.md).
public enum DaemonEndpoints {
    public static func respond(to path: String, status: DaemonStatus, metrics: DaemonMetrics, health: HealthMonitor) -> HTTPResponse {
        switch path {
        case "/metrics":
            return HTTPResponse(status: 200, contentType: "text/plain; version=0.0.4; charset=utf-8", body: .parts(metrics.exposition()))
        case "/healthz":
            let health = status.health()
            return HTTPResponse(status: health.healthy ? 200 : 503, text: (health.healthy ? "ok: " : "unhealthy: ") + health.reason + "\n")
        case "/plan":
            guard let (plan, target, host) = status.lastPlan else { return HTTPResponse(status: 503, text: "no plan computed yet\n") }
            return HTTPResponse(status: 200, contentType: "application/json",
                                body: ByteBuffer(string: PlanJSON.encode(plan, target: target, host: host) + "\n"))
        case "/health":
            return HTTPResponse(status: 200, contentType: "application/json", body: ByteBuffer(string: HealthDocument(health).encoded() + "\n"))
        case "/":
            return HTTPResponse(status: 200, text: "lvsctl reconcile: /metrics /healthz /health /plan\n")
        default:
            return HTTPResponse(status: 404, text: "not found; served: /metrics /healthz /health /plan\n")
        }
    }
}

/// Wall-clock time for metrics, which Prometheus wants in seconds since the epoch.
public enum DaemonClock {
    public static func epochSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }
}
