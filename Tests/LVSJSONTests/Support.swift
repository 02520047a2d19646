import Foundation
import LVSConfig
import LVSModel
import Testing

let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// Every example file an operator can copy.
let exampleFiles: [URL] = {
    let folder = repositoryRoot.appendingPathComponent("examples")
    let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
    return names.filter { $0.hasSuffix(".yaml") }.sorted().map { folder.appendingPathComponent($0) }
}()

/// The desired state of a config given inline; fails the test with the diagnostics when invalid.
func config(_ yaml: String) throws -> DesiredState {
    let result = ConfigLoader.load(bytes: Array(yaml.utf8), file: "test.yaml")
    return try #require(result.state, "\(result.diagnostics)")
}

/// A JSON document as Foundation objects, edited by `change`, written back.
func edited(_ text: String, _ change: (inout [String: Any]) -> Void) throws -> [UInt8] {
    var object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    change(&object)
    return Array(try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]))
}

/// One director of a keepalived pair: VIPs bound by keepalived, both sync daemons, every sync sysctl.
let pairConfig = """
    version: 1
    sync:
      - { state: master, interface: eth0, syncid: 7 }
      - { state: backup, interface: eth0, syncid: 7 }
    director:
      vips: external
      address: 203.0.113.1
      sync_threshold: [3, 50]
      sync_refresh_period: 10
      sync_retries: 2
      sync_persist_mode: 0
      sync_version: 1
      sloppy_tcp: true
      sloppy_sctp: false
      conn_reuse_mode: 2
      expire_nodest_conn: true
    services:
      - { vip: 198.51.100.10, port: 80, servers: [198.51.100.11] }
      - { vip: 198.51.100.10, port: 443, forward: nat, servers: ["203.0.113.11:8443"] }

    """

/// One director behind ECMP routers: `announce` beside the sync sysctls of docs/ecmp.md's `mh` profile.
let announcingConfig = """
    version: 1
    director: { announce: { interface: lvs-announce }, expire_nodest_conn: true, sloppy_tcp: true, conn_reuse_mode: 2 }
    services:
      - { vip: 198.51.100.10, port: 80, scheduler: mh, flags: [mh-port], forward: dr, servers: [198.51.100.11] }

    """

/// A director config with every kind of host change: a VIP device, NAT forwarding, a firewall
/// mark rule and FULLNAT.
let directorConfig = """
    version: 1
    director: { address: 203.0.113.1 }
    services:
      - name: web
        vip: 198.51.100.10
        port: 80
        scheduler: wrr
        servers:
          - { address: 203.0.113.11, port: 8080, forward: nat, weight: 3 }
          - { address: 203.0.113.12, port: 8080, forward: fullnat, max_conns: 100, min_conns: 50 }
      - name: bundle
        fwmark: 10
        match: { vip: 198.51.100.20, protocol: tcp, ports: [80, "8000-8080"] }
        persistence: { timeout: 600, netmask: 255.255.255.0 }
        servers: [ { address: 203.0.113.21, forward: tun, tunnel: { type: gue, port: 6080, checksum: csum } } ]
      - name: dns
        vip: 198.51.100.53
        protocol: udp
        port: 53
        scheduler: sh
        flags: [one-packet, sh-port]
        servers: [ 203.0.113.53 ]
    """

/// A director whose servers are health-checked (docs/config.md#health-checks): http checks with a
/// quorum and a sorry server, a dns service, an exec check, a server checked at another port,
/// one not checked, and removal on failure.
let healthConfig = """
    version: 1
    defaults:
      scheduler: wlc
      forward: dr
      check: tcp
    director: { expire_quiescent_template: true }
    services:
      - name: web
        vip: 198.51.100.10
        port: 80
        persistence: { timeout: 600 }
        check: { type: http, path: /healthz, host: www.example.org, status: [200, "300-302"], body: ok, interval: 2s, timeout: 1s, rise: 2, fall: 3 }
        quorum: 2
        sorry_server: { address: 203.0.113.99, weight: 1 }
        servers:
          - 203.0.113.11
          - 203.0.113.12
          - { address: 203.0.113.13, weight: 3, check: { type: http, path: /healthz, port: 8080 } }
      - name: shop
        vip: 198.51.100.10
        port: 443
        quorum: { weight: 2 }
        check: { type: https, path: /status, server_name: shop.example.org, verify: false, status: "200-299" }
        servers: [203.0.113.11, 203.0.113.12]
      - name: dns
        vip: 198.51.100.53
        protocol: udp
        port: 53
        on_failure: remove
        check: { type: dns, query: example.org, query_type: AAAA, transport: udp, rcode: NOERROR, interval: 5s, timeout: 2s }
        servers: [192.0.2.5, 192.0.2.6]
      - name: mail
        vip: 198.51.100.25
        port: 25
        check: { type: exec, command: [/usr/local/lib/lvsctl/check-smtp, --helo, lb.example.org], timeout: 3s, interval: 10s }
        servers:
          - 203.0.113.21
          - { address: 203.0.113.22, check: none }
      - name: cache
        vip: 198.51.100.30
        port: 3128
        servers: [203.0.113.31, 203.0.113.32]

    """
