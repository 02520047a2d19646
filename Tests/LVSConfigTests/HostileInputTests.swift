import Foundation
@testable import LVSConfig
import LVSModel
import Testing

/// Files written to harm or to mislead: each is refused at the place that is wrong, whichever
/// of the two YAML parsers reads it (checked with the other invalid cases, ValidationTests).
let hostileCases: [InvalidCase] = [
    InvalidCase(rule: "a line break in a name (double-quoted escape)",
                yaml: service("name: \"web\\n\\nPlan: 0 to add\"\nvip: 198.51.100.10\nport: 80"), line: 3, column: 11,
                message: "service name 'web\\n\\nPlan: 0 to add' holds a control character"),
    InvalidCase(rule: "a line break in a name (plain scalar over several lines)",
                yaml: "version: 1\nservices:\n  - name: web\n\n      touch /tmp/x; true\n    vip: 198.51.100.10\n    port: 80\n",
                line: 3, column: 11, message: "service name 'web\\ntouch /tmp/x; true' holds a control character"),
    InvalidCase(rule: "a terminal escape in a name",
                yaml: service("name: \"a\\e[2Kb\"\nvip: 198.51.100.10\nport: 80"), line: 3,
                message: "service name 'a\\u{1B}[2Kb' holds a control character"),
    InvalidCase(rule: "a direction mark in a name",
                yaml: service("name: \"a\u{202E}b\"\nvip: 198.51.100.10\nport: 80"), line: 3,
                message: "service name 'a\\u{202E}b' holds a control character"),
    InvalidCase(rule: "a name over 255 bytes",
                yaml: service("name: " + String(repeating: "n", count: 256) + "\nvip: 198.51.100.10\nport: 80"), line: 3,
                message: "service name is 256 bytes long; the limit is 255"),
    InvalidCase(rule: "services with no value (a file cut short)", yaml: "version: 1\nservices:\n", line: 2, column: 1,
                message: "'services' in the config file has no value"),
    InvalidCase(rule: "scope with no value", yaml: "version: 1\nscope:\nservices: []\n", line: 2, column: 1,
                message: "'scope' in the config file has no value"),
    InvalidCase(rule: "servers with no value", yaml: service("vip: 198.51.100.10\nport: 80\nservers: ~"), line: 5,
                message: "'servers' in a service has no value"),
    InvalidCase(rule: "a null weight", yaml: service("vip: 198.51.100.10\nport: 80\nweight: null"), line: 5,
                message: "'weight' in a service has no value"),
    InvalidCase(rule: "an empty scope prefix", yaml: "version: 1\nscope: { vips: [\"\"] }\nservices: []\n", line: 2,
                message: "scope VIP prefix '' is not an address prefix"),
    InvalidCase(rule: "a scope prefix of '/'", yaml: "version: 1\nscope: { vips: [\"/\"] }\nservices: []\n", line: 2,
                message: "scope VIP prefix '/' is not an address prefix"),
    InvalidCase(rule: "two merge keys in one mapping",
                yaml: "version: 1\nx-a: &a {scheduler: rr}\nx-b: &b {scheduler: wlc}\ndefaults:\n  <<: *a\n  <<: *b\nservices: []\n",
                line: 6, column: 3, message: "a second '<<' key in one mapping"),
    InvalidCase(rule: "a port with a leading zero", yaml: service("vip: 198.51.100.10\nport: 010"), line: 4, column: 11,
                message: "port '010' has a leading zero"),
    InvalidCase(rule: "a quoted weight with a leading zero",
                yaml: service("vip: 198.51.100.10\nport: 80\nservers: [ { address: 203.0.113.1, weight: '07' } ]"), line: 5,
                message: "has a leading zero"),
    InvalidCase(rule: "a NUL inside an IPv6 VIP", yaml: service("vip: \"2001:db8::1\\0junk\"\nport: 80"), line: 3,
                message: "is not an IP address"),
    InvalidCase(rule: "a NUL inside an IPv6 server", yaml: service("vip: 2001:db8::1\nport: 80\nservers: [ \"2001:db8::2\\0\" ]"),
                line: 5, message: "is not valid"),
    InvalidCase(rule: "an IPv4-mapped IPv6 VIP", yaml: service("vip: \"::ffff:198.51.100.10\"\nport: 80"), line: 3,
                message: "is an IPv4-mapped IPv6 address, which IPVS keeps apart from IPv4 and never matches IPv4 packets against; write 198.51.100.10"),
    InvalidCase(rule: "interface '.'", yaml: "version: 1\ndirector: { interface: . }\nservices: []\n", line: 2,
                message: "interface '.' is not a valid Linux interface name"),
    InvalidCase(rule: "interface '..'", yaml: "version: 1\nsync: [ { state: master, interface: .. } ]\nservices: []\n", line: 2,
                message: "interface '..' is not a valid Linux interface name"),
    InvalidCase(rule: "interface with a tab", yaml: "version: 1\ndirector: { interface: \"eth\\t0\" }\nservices: []\n", line: 2,
                message: "interface 'eth\\t0' is not a valid Linux interface name"),
    InvalidCase(rule: "interface with a NUL", yaml: "version: 1\ndirector: { interface: \"eth\\00\" }\nservices: []\n", line: 2,
                message: "interface 'eth\\u{0}0' is not a valid Linux interface name"),
    InvalidCase(rule: "an extra scheduler over 15 bytes (15 characters)",
                yaml: "version: 1\nextra_schedulers: [ \"ééééééééééééééé\" ]\nservices: []\n", line: 2,
                message: "is not a kernel module suffix"),
    InvalidCase(rule: "a non-ASCII extra scheduler", yaml: "version: 1\nextra_schedulers: [ \"wlç\" ]\nservices: []\n", line: 2,
                message: "is not a kernel module suffix"),
    InvalidCase(rule: "lists nested past the limit (flow)",
                yaml: "version: 1\nx-deep: " + String(repeating: "[", count: 100_000) + "\nservices: []\n", line: 2,
                message: "lists and mappings nest more than 64 levels deep"),
    InvalidCase(rule: "mappings nested past the limit (block)",
                yaml: "version: 1\nservices: []\nx-deep:\n" + (1...70).map { String(repeating: " ", count: $0) + "k:\n" }.joined(),
                line: 67, message: "lists and mappings nest more than 64 levels deep"),
]

@Suite("hostile and careless input")
struct HostileInputTests {
    @Test("names at the limits are kept as written")
    func namesWithinLimits() throws {
        for name in [String(repeating: "n", count: 255), "web (blue) – «prod» 日本"] {
            let result = load(service("name: \"\(name)\"\nvip: 198.51.100.10\nport: 80"))
            let state = try #require(result.state, "\(result.diagnostics)")
            #expect(state.names.values.first == name)
        }
    }

    @Test("a misspelt 'services' is reported as the misspelling, not as a missing list")
    func misspeltServices() {
        let result = load("version: 1\nservics: []\n")
        #expect(result.errors.map(\.message) == [
            "unknown key 'servics' in the config file (did you mean 'services'?); valid keys: version, scope, defaults, timeouts, sync, director, extra_schedulers, services",
        ])
        #expect(result.errors.first?.line == 2)
    }

    /// Anchors inside anchors each keep their subtree again; nested merges copy every key again.
    /// Both are refused where the expansion passes the limit, long before memory runs out.
    @Test("alias and merge expansions are counted, copies included")
    func expansionsAreBounded() throws {
        let big = "[" + Array(repeating: "x", count: 2_000).joined(separator: ",") + "]"
        var anchors = ["version: 1", "services: []", "x-a0: &a0 \(big)"]
        for index in 1..<3_000 { anchors.append("x-a\(index): &a\(index) [*a\(index - 1), \(index % 100 == 0 ? big : "y")]") }
        var merges = ["version: 1", "services: []", "x-m0: &m0 {k0: 1}"]
        for index in 1..<6_000 { merges.append("x-m\(index): &m\(index) {<<: *m\(index - 1), k\(index): 1}") }
        for lines in [anchors, merges] {
            let result = load(lines.joined(separator: "\n") + "\n")
            let error = try #require(result.errors.first)
            #expect(error.message.contains("expand this file to more than"), "\(error)")
            #expect(error.line > 3 && error.line < lines.count, "\(error)")
        }
    }

    @Test("merges within the limit still apply, earlier keys winning")
    func mergesStillApply() throws {
        let result = load("""
            version: 1
            x-base: &base { vip: 198.51.100.10, port: 80, scheduler: rr }
            services:
              - <<: [*base, { scheduler: wlc, port: 81 }]
                name: web

            """)
        let state = try #require(result.state, "\(result.diagnostics)")
        #expect(state.table.services.first?.scheduler == .rr)
        #expect(state.table.services.first?.key.description == "tcp/198.51.100.10:80")
    }

    @Test("a table of 50,000 services × 4 servers in the form import writes is read")
    func largeImport() throws {
        var text = "version: 1\nservices:\n"
        for index in 0..<50_000 {
            text += "  - name: tcp-\(index)\n    vip: 198.51.100.\(index % 250 + 1)\n    port: \(1000 + index / 250)\n    servers:\n"
            for server in 1...4 { text += "      - { address: 203.0.113.\(server), port: 8080, forward: nat, weight: \(server) }\n" }
        }
        let result = load(text)
        #expect(result.errors.isEmpty, "\(result.errors.prefix(3))")
        #expect(result.state?.table.services.count == 50_000)
    }

    @Test("IP addresses stop at nothing: a NUL or a stray character anywhere is no address")
    func addressText() {
        for text in ["2001:db8::1\0", "2001:db8::1\0:2", "::1 ", " ::1", "2001:db8::g", "198.51.100.1\0", "fe80::1%eth0"] {
            #expect(IPAddress(text) == nil, "\(text.debugDescription)")
        }
        #expect(IPAddress("2001:DB8::1") == IPAddress("2001:db8::1"))
        #expect(IPAddress("::ffff:198.51.100.10")?.unmapped == IPAddress("198.51.100.10"))
        #expect(IPAddress("2001:db8::ffff:c633:640a")?.unmapped == nil)
    }

    @Test("display text escapes what a terminal would act on and keeps the rest")
    func displayText() {
        #expect(DisplayText.escaped("web-1") == "web-1")
        #expect(DisplayText.escaped("a\nb\tc\r") == "a\\nb\\tc\\r")
        #expect(DisplayText.escaped("\u{1B}[31mred\u{7}") == "\\u{1B}[31mred\\u{7}")
        #expect(DisplayText.escaped("x\u{9B}y\u{2028}z\u{202E}") == "x\\u{9B}y\\u{2028}z\\u{202E}")
        #expect(DisplayText.escaped("né – 日本") == "né – 日本")
        #expect(DisplayText.escaped(String(repeating: "a", count: 2_000)).utf8.count < 1_010)
    }
}
