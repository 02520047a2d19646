import LVSConfig
import LVSModel
import Testing

@Suite("health checks in the config")
struct HealthConfigTests {
    @Test("checks inherit from defaults to service to server; 'none' turns them off")
    func inheritance() throws {
        let result = load("""
            version: 1
            defaults:
              check: tcp
              on_failure: remove
            services:
              - name: web
                vip: 198.51.100.10
                port: 80
                check: { type: http, path: /healthz, host: www.example.org, status: [200, "300-302"], body: ok, interval: 2s, timeout: 500ms, rise: 1, fall: 2 }
                quorum: 2
                sorry_server: 203.0.113.99:80
                servers:
                  - 203.0.113.11
                  - { address: 203.0.113.12, check: none }
                  - { address: 203.0.113.13, check: { type: exec, command: [/bin/true, --quiet] } }
              - vip: 198.51.100.11
                port: 53
                protocol: udp
                check: { type: dns, query: example.org, query_type: AAAA, transport: tcp, rcode: NXDOMAIN, port: 5353 }
                servers: [203.0.113.21]
              - vip: 198.51.100.12
                port: 443
                check: { type: https, path: /, server_name: www.example.org, verify: false }
                servers: [203.0.113.31]
              - vip: 198.51.100.13
                port: 80
                servers: [203.0.113.41]
            """)
        let state = try #require(result.state, "\(result.diagnostics)")
        let web = ServiceKey.address(.tcp, IPAddress("198.51.100.10")!, port: 80)
        let checks = try #require(state.checks[web])
        let http = try #require(checks[ServerKey(address: IPAddress("203.0.113.11")!, port: 80)])
        #expect(http.probe == .http(HealthCheck.HTTPProbe(method: "GET", path: "/healthz", host: "www.example.org",
                                                          statuses: [200...200, 300...302], body: "ok")))
        #expect(http.interval == .seconds(2) && http.timeout == .milliseconds(500) && http.rise == 1 && http.fall == 2)
        #expect(checks[ServerKey(address: IPAddress("203.0.113.12")!, port: 80)] == nil)
        #expect(checks[ServerKey(address: IPAddress("203.0.113.13")!, port: 80)]?.probe == .exec(["/bin/true", "--quiet"]))
        let policy = try #require(state.healthPolicies[web])
        #expect(policy.onFailure == .remove && policy.quorum == .servers(2))
        #expect(policy.belowQuorum == .sorryServer(RealServer(address: IPAddress("203.0.113.99")!, port: 80)))

        let dns = try #require(state.checks[.address(.udp, IPAddress("198.51.100.11")!, port: 53)]?.values.first)
        #expect(dns.probe == .dns(HealthCheck.DNSProbe(name: "example.org", type: 28, transport: .tcp, rcode: 3)) && dns.port == 5353)
        #expect(CheckTarget(server: ServerKey(address: IPAddress("203.0.113.21")!, port: 53), check: dns).port == 5353)
        let https = try #require(state.checks[.address(.tcp, IPAddress("198.51.100.12")!, port: 443)]?.values.first)
        #expect(https.probe == .https(HealthCheck.HTTPProbe(), HealthCheck.TLSProbe(serverName: "www.example.org", verify: false)))
        // The defaults' tcp check reaches a service that names none.
        #expect(state.checks[.address(.tcp, IPAddress("198.51.100.13")!, port: 80)]?.values.first?.probe == .tcp)
        #expect(state.checkTargets.count == 5)
    }

    @Test("services sharing a server and a check share one target")
    func sharedTargets() throws {
        let result = load("""
            version: 1
            defaults: { check: { type: http, path: /health } }
            services:
              - { vip: 198.51.100.10, port: 80, servers: [203.0.113.11] }
              - { fwmark: 7, servers: ["203.0.113.11:80"], check: { type: http, path: /health, port: 80 } }
            """)
        let state = try #require(result.state, "\(result.diagnostics)")
        #expect(state.checks.count == 2 && state.checkTargets.count == 1)
    }

    static let invalid: [InvalidCase] = [
        InvalidCase(rule: "unknown check type", yaml: service("vip: 198.51.100.1\nport: 80\ncheck: { type: htp }"), line: 5,
                    message: "unknown check type 'htp' (did you mean 'http'?)"),
        InvalidCase(rule: "an http check written as a word", yaml: service("vip: 198.51.100.1\nport: 80\ncheck: http"), line: 5,
                    message: "a 'http' check needs settings"),
        InvalidCase(rule: "a setting of another probe", yaml: service("vip: 198.51.100.1\nport: 80\ncheck: { type: tcp, path: / }"),
                    line: 5, message: "'path' is not a setting of a tcp check"),
        InvalidCase(rule: "timeout not below the interval",
                    yaml: service("vip: 198.51.100.1\nport: 80\ncheck: { type: tcp, interval: 2s, timeout: 2s }"), line: 5,
                    message: "check timeout 2s must be below the interval 2s"),
        InvalidCase(rule: "a bad duration", yaml: service("vip: 198.51.100.1\nport: 80\ncheck: { type: tcp, interval: 5x }"), line: 5,
                    message: "check interval '5x' is not a duration"),
        InvalidCase(rule: "an exec check as a shell string",
                    yaml: service("vip: 198.51.100.1\nport: 80\ncheck: { type: exec, command: \"curl -f x\" }"), line: 5,
                    message: "check command must be a list of arguments"),
        InvalidCase(rule: "an exec check with a relative program",
                    yaml: service("vip: 198.51.100.1\nport: 80\ncheck: { type: exec, command: [curl, -f] }"), line: 5,
                    message: "absolute path"),
        InvalidCase(rule: "a header injection in host",
                    yaml: service("vip: 198.51.100.1\nport: 80\ncheck: { type: http, host: \"a\\r\\nX-Evil: 1\" }"), line: 5,
                    message: "is not a host name"),
        InvalidCase(rule: "a path with a space", yaml: service("vip: 198.51.100.1\nport: 80\ncheck: { type: http, path: \"/a b\" }"),
                    line: 5, message: "check path must start with '/'"),
        InvalidCase(rule: "a status out of range", yaml: service("vip: 198.51.100.1\nport: 80\ncheck: { type: http, status: \"200-700\" }"),
                    line: 5, message: "check status '200-700' is not a status code"),
        InvalidCase(rule: "a dns check without a query", yaml: service("vip: 198.51.100.1\nport: 53\ncheck: { type: dns }"), line: 5,
                    message: "a dns check needs 'query'"),
        InvalidCase(rule: "a quorum above the servers",
                    yaml: service("vip: 198.51.100.1\nport: 80\ncheck: tcp\nquorum: 3\nservers: [203.0.113.1, 203.0.113.2]"), line: 6,
                    message: "quorum 3 is more servers than the service has (2)"),
        InvalidCase(rule: "a sorry server that is a server",
                    yaml: service("vip: 198.51.100.1\nport: 80\ncheck: tcp\nsorry_server: 203.0.113.1\nservers: [203.0.113.1]"), line: 6,
                    message: "is also one of the service's servers"),
        InvalidCase(rule: "check none with settings", yaml: service("vip: 198.51.100.1\nport: 80\ncheck: { type: none, rise: 2 }"),
                    line: 5, message: "'check: none' turns checking off and takes no 'rise'"),
        InvalidCase(rule: "a check of a server without a port",
                    yaml: service("fwmark: 7\ncheck: tcp\nservers: [203.0.113.1]"), line: 5,
                    message: "has no port (a fwmark or all-ports service), so its tcp check has none to probe"),
        InvalidCase(rule: "mh removing failing servers",
                    yaml: service("vip: 198.51.100.1\nport: 80\nscheduler: mh\ncheck: tcp\non_failure: remove\nservers: [203.0.113.1]"), line: 7,
                    message: "an mh service quiesces failing servers"),
        InvalidCase(rule: "rise zero", yaml: service("vip: 198.51.100.1\nport: 80\ncheck: { type: tcp, rise: 0 }"), line: 5,
                    message: "check rise 0 is out of range"),
    ]

    @Test("health settings without any check are pointed out")
    func pointless() throws {
        let result = load(service("vip: 198.51.100.1\nport: 80\nquorum: 1\nservers: [203.0.113.1]"))
        #expect(result.state != nil)
        #expect(result.diagnostics.contains { $0.severity == .warning && $0.message.contains("'quorum' has no effect") })
    }
}
