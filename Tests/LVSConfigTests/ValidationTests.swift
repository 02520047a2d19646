import LVSConfig
import LVSModel
import Testing

/// One invalid file and what its first error must say, and where.
struct InvalidCase: CustomTestStringConvertible, Sendable {
    var rule: String
    var yaml: String
    var line: Int
    var column: Int?
    var message: String

    var testDescription: String { rule }
}

/// A file with one service whose body is `body` (indented under `- `); the service starts on line 3.
func service(_ body: String) -> String {
    "version: 1\nservices:\n  - " + body.split(separator: "\n", omittingEmptySubsequences: false)
        .joined(separator: "\n    ") + "\n"
}

let invalidCases: [InvalidCase] = [
    InvalidCase(rule: "YAML syntax error", yaml: "version: 1\nservices: [\n", line: 3, message: "YAML syntax error"),
    InvalidCase(rule: "tab indentation", yaml: "version: 1\nservices:\n\t- vip: 1\n", line: 3, message: "YAML syntax error"),
    InvalidCase(rule: "empty file", yaml: "", line: 1, column: 1, message: "the file is empty"),
    InvalidCase(rule: "comment-only file", yaml: "# nothing\n", line: 1, message: "the file is empty"),
    InvalidCase(rule: "unsupported version", yaml: "version: 2\nservices: []\n", line: 1, column: 10,
                message: "unsupported version 2; this lvsctl reads version 1"),
    InvalidCase(rule: "missing version", yaml: "services: []\n", line: 1, message: "add 'version: 1'"),
    InvalidCase(rule: "missing services", yaml: "version: 1\n", line: 1, message: "no 'services' list"),
    InvalidCase(rule: "more than one document", yaml: "version: 1\nservices: []\n---\nversion: 1\n", line: 3,
                message: "more than one YAML document"),
    InvalidCase(rule: "unknown top-level key with suggestion", yaml: "version: 1\nservises: []\n", line: 2, column: 1,
                message: "unknown key 'servises' in the config file (did you mean 'services'?)"),
    InvalidCase(rule: "unknown service key with suggestion",
                yaml: service("vip: 198.51.100.1\nport: 80\nschedular: rr"), line: 5, column: 5,
                message: "unknown key 'schedular' in a service (did you mean 'scheduler'?)"),
    InvalidCase(rule: "unknown server key", yaml: service("vip: 198.51.100.1\nport: 80\nservers:\n  - { address: 203.0.113.1, wieght: 2 }"),
                line: 6, message: "unknown key 'wieght' in a real server (did you mean 'weight'?)"),
    InvalidCase(rule: "duplicate key", yaml: service("vip: 198.51.100.1\nport: 80\nport: 81"), line: 5,
                message: "duplicate key 'port' in a service; it was already given at line 4"),
    InvalidCase(rule: "unknown key lists the section's keys as the file spells them",
                yaml: service("vip: 198.51.100.1\nport: 80\nservers:\n  - { address: 203.0.113.1, max_con: 2 }"), line: 6,
                message: "unknown key 'max_con' in a real server (did you mean 'max_conns'?); valid keys: address, port, weight, forward, tunnel, max_conns, min_conns"),
    InvalidCase(rule: "wrong type: list for port", yaml: service("vip: 198.51.100.1\nport: [80]"), line: 4, column: 11,
                message: "port must be a number from 0 to 65535, found a list"),
    InvalidCase(rule: "wrong type: word for port", yaml: service("vip: 198.51.100.1\nport: http"), line: 4,
                message: "port must be a number from 0 to 65535, found 'http'"),
    InvalidCase(rule: "wrong type: services not a list", yaml: "version: 1\nservices: { a: 1 }\n", line: 2,
                message: "services must be a list, found a mapping"),
    InvalidCase(rule: "unknown director.vips", yaml: "version: 1\ndirector: { vips: keepalived }\nservices: []\n", line: 2,
                message: "director.vips"),
    InvalidCase(rule: "VIP interface with external VIPs", yaml: "version: 1\ndirector: { vips: external, interface: eth0 }\nservices: []\n",
                line: 2, column: 40, message: "with 'vips: external' it binds none"),
    InvalidCase(rule: "sync_threshold with one number", yaml: "version: 1\ndirector: { sync_threshold: [3] }\nservices: []\n",
                line: 2, column: 29, message: "director.sync_threshold has 1 numbers; write [THRESHOLD, PERIOD] with THRESHOLD < PERIOD"),
    InvalidCase(rule: "sync_threshold not below its period", yaml: "version: 1\ndirector: { sync_threshold: [50, 50] }\nservices: []\n",
                line: 2, column: 30, message: "director.sync_threshold's threshold 50 is not below its period 50, which the kernel refuses"),
    InvalidCase(rule: "negative sync_threshold", yaml: "version: 1\ndirector: { sync_threshold: [3, -1] }\nservices: []\n",
                line: 2, column: 33, message: "director.sync_threshold's period -1 is out of range; valid: 0 to 2147483647"),
    InvalidCase(rule: "sync_retries above 3", yaml: "version: 1\ndirector: { sync_retries: 4 }\nservices: []\n", line: 2,
                column: 27, message: "director.sync_retries 4 is out of range; valid: 0 to 3"),
    InvalidCase(rule: "sync_persist_mode above 1", yaml: "version: 1\ndirector: { sync_persist_mode: 2 }\nservices: []\n",
                line: 2, message: "director.sync_persist_mode 2 is out of range; valid: 0 to 1"),
    InvalidCase(rule: "sync_version above 1", yaml: "version: 1\ndirector: { sync_version: 2 }\nservices: []\n",
                line: 2, message: "director.sync_version 2 is out of range; valid: 0 to 1"),
    InvalidCase(rule: "sync_refresh_period beyond an int of jiffies",
                yaml: "version: 1\ndirector: { sync_refresh_period: 2147484 }\nservices: []\n", line: 2,
                message: "director.sync_refresh_period (seconds) 2147484 is out of range; valid: 0 to 2147483"),
    InvalidCase(rule: "conn_reuse_mode above 3", yaml: "version: 1\ndirector: { conn_reuse_mode: 4 }\nservices: []\n",
                line: 2, message: "director.conn_reuse_mode 4 is out of range; valid: 0 to 3"),
    InvalidCase(rule: "sloppy_tcp not a boolean", yaml: "version: 1\ndirector: { sloppy_tcp: 1 }\nservices: []\n",
                line: 2, message: "director.sloppy_tcp must be true or false, found '1'"),
    InvalidCase(rule: "backup_only beside a master daemon",
                yaml: "version: 1\nsync: [ { state: master, interface: eth1 }, { state: backup, interface: eth1 } ]\ndirector: { backup_only: true }\nservices: []\n",
                line: 3, column: 26, message: "director.backup_only stops this director from directing traffic while its backup sync daemon runs"),
    InvalidCase(rule: "dr port mapping on an address service",
                yaml: service("vip: 198.51.100.1\nport: 80\nservers: [ { address: 203.0.113.1, port: 8080 } ]"), line: 5,
                message: "'dr' forwarding cannot map ports"),
    InvalidCase(rule: "wrong type: boolean", yaml: "version: 1\ndirector: { ip_forward: yes }\nservices: []\n", line: 2,
                message: "director.ip_forward must be true or false, found 'yes'"),
    InvalidCase(rule: "bad address", yaml: service("vip: 198.51.100.256\nport: 80"), line: 3, column: 10,
                message: "vip '198.51.100.256' is not an IP address"),
    InvalidCase(rule: "bad server address", yaml: service("vip: 198.51.100.1\nport: 80\nservers: [ 203.0.113 ]"), line: 5,
                message: "server address '203.0.113' is not valid"),
    InvalidCase(rule: "bad prefix", yaml: "version: 1\nscope: { vips: [198.51.100.0/33] }\nservices: []\n", line: 2,
                message: "is not an address prefix"),
    InvalidCase(rule: "prefix with host bits", yaml: "version: 1\nscope: { vips: [198.51.100.1/24] }\nservices: []\n", line: 2,
                message: "did you mean 198.51.100.0/24?"),
    InvalidCase(rule: "port above 65535", yaml: service("vip: 198.51.100.1\nport: 65536"), line: 4,
                message: "port 65536 is out of range; valid: 0 to 65535"),
    InvalidCase(rule: "negative port", yaml: service("vip: 198.51.100.1\nport: -1"), line: 4, message: "out of range"),
    InvalidCase(rule: "server port out of range", yaml: service("vip: 198.51.100.1\nport: 80\nforward: nat\nservers: [ { address: 203.0.113.1, port: 99999 } ]"),
                line: 6, message: "server port 99999 is out of range"),
    InvalidCase(rule: "unknown protocol", yaml: service("vip: 198.51.100.1\nport: 80\nprotocol: icmp"), line: 5,
                message: "unknown protocol 'icmp'; valid: tcp, udp, sctp"),
    InvalidCase(rule: "unknown scheduler", yaml: service("vip: 198.51.100.1\nport: 80\nscheduler: wrrr"), line: 5,
                message: "unknown scheduler 'wrrr' (did you mean 'wrr'?)"),
    InvalidCase(rule: "unknown forwarding method", yaml: service("vip: 198.51.100.1\nport: 80\nforward: masq"), line: 5,
                message: "unknown forwarding method 'masq'; valid: nat, dr, tun, local"),
    InvalidCase(rule: "duplicate service", yaml: "version: 1\nservices:\n  - { vip: 198.51.100.1, port: 80 }\n  - { vip: 198.51.100.1, port: 80 }\n",
                line: 4, message: "duplicate service tcp/198.51.100.1:80; it is already defined at line 3"),
    InvalidCase(rule: "duplicate service name", yaml: "version: 1\nservices:\n  - { name: a, vip: 198.51.100.1, port: 80 }\n  - { name: a, vip: 198.51.100.1, port: 81 }\n",
                line: 4, message: "duplicate service name 'a'"),
    InvalidCase(rule: "duplicate server", yaml: service("vip: 198.51.100.1\nport: 80\nservers: [ 203.0.113.1, 203.0.113.1 ]"),
                line: 5, message: "duplicate real server 203.0.113.1:80"),
    InvalidCase(rule: "duplicate server names the first listing",
                yaml: service("vip: 198.51.100.1\nport: 80\nservers:\n  - 203.0.113.2\n  - 203.0.113.1\n  - 203.0.113.2\n  - 203.0.113.2"),
                line: 8, message: "duplicate real server 203.0.113.2:80 in service tcp/198.51.100.1:80; it is already listed at line 6"),
    InvalidCase(rule: "port mapping with dr", yaml: service("vip: 198.51.100.1\nport: 80\nservers: [ { address: 203.0.113.1, port: 8080 } ]"),
                line: 5, message: "'dr' forwarding cannot map ports"),
    InvalidCase(rule: "port mapping with tun", yaml: service("vip: 198.51.100.1\nport: 80\nforward: tun\nservers: [ 203.0.113.1:8080 ]"),
                line: 6, message: "'tun' forwarding cannot map ports"),
    InvalidCase(rule: "port 0 without persistence", yaml: service("vip: 198.51.100.1\nport: 0"), line: 4,
                message: "port 0 (every port) needs persistence"),
    InvalidCase(rule: "fwmark service with a vip", yaml: service("fwmark: 3\nvip: 198.51.100.1"), line: 4,
                message: "a fwmark service is selected by its mark alone and takes no 'vip'"),
    InvalidCase(rule: "fwmark service with a port", yaml: service("fwmark: 3\nport: 80"), line: 4,
                message: "takes no 'port'"),
    InvalidCase(rule: "fwmark 0", yaml: service("fwmark: 0"), line: 3, message: "fwmark 0 means 'no mark'"),
    InvalidCase(rule: "neither vip nor fwmark", yaml: service("name: x\nport: 80"), line: 3,
                message: "a service needs either 'vip'"),
    InvalidCase(rule: "weight out of range", yaml: service("vip: 198.51.100.1\nport: 80\nservers: [ { address: 203.0.113.1, weight: 65536 } ]"),
                line: 5, message: "weight 65536 is out of range; valid: 0 to 65535"),
    InvalidCase(rule: "threshold out of range", yaml: service("vip: 198.51.100.1\nport: 80\nservers: [ { address: 203.0.113.1, max_conns: 4294967295 } ]"),
                line: 5, message: "max_conns 4294967295 is out of range"),
    InvalidCase(rule: "min above max", yaml: service("vip: 198.51.100.1\nport: 80\nservers: [ { address: 203.0.113.1, max_conns: 10, min_conns: 20 } ]"),
                line: 5, message: "min_conns 20 is above max_conns 10"),
    InvalidCase(rule: "min without max", yaml: service("vip: 198.51.100.1\nport: 80\nservers: [ { address: 203.0.113.1, min_conns: 20 } ]"),
                line: 5, message: "min_conns needs max_conns"),
    InvalidCase(rule: "sh flag on wrr", yaml: service("vip: 198.51.100.1\nport: 80\nscheduler: wrr\nflags: [sh-port]"), line: 6,
                message: "flag 'sh-port' only affects the sh scheduler; this service uses wrr"),
    InvalidCase(rule: "mh flag on sh", yaml: service("vip: 198.51.100.1\nport: 80\nscheduler: sh\nflags: [mh-fallback]"), line: 6,
                message: "only affects the mh scheduler"),
    InvalidCase(rule: "unknown flag", yaml: service("vip: 198.51.100.1\nport: 80\nscheduler: sh\nflags: [sh-prot]"), line: 6,
                message: "unknown flag 'sh-prot' (did you mean 'sh-port'?)"),
    InvalidCase(rule: "one-packet on TCP", yaml: service("vip: 198.51.100.1\nport: 80\nflags: [one-packet]"), line: 5,
                message: "one-packet scheduling is for UDP (or fwmark) services; this service is tcp"),
    InvalidCase(rule: "IPv4 netmask on IPv6 service", yaml: service("vip: 2001:db8::1\nport: 80\npersistence: { netmask: 255.255.255.0 }"),
                line: 5, message: "an IPv6 service groups clients by prefix length"),
    InvalidCase(rule: "IPv6 prefix on IPv4 service", yaml: service("vip: 198.51.100.1\nport: 80\npersistence: { netmask: 64 }"),
                line: 5, message: "netmask /64 is longer than an IPv4 address"),
    InvalidCase(rule: "non-contiguous netmask", yaml: service("vip: 198.51.100.1\nport: 80\npersistence: { netmask: 255.0.255.0 }"),
                line: 5, message: "is not contiguous"),
    InvalidCase(rule: "persistence timeout 0", yaml: service("vip: 198.51.100.1\nport: 80\npersistence: { timeout: 0 }"),
                line: 5, message: "a persistence timeout of 0 turns persistence off"),
    InvalidCase(rule: "unknown persistence engine", yaml: service("vip: 198.51.100.1\nport: 80\npersistence: { engine: sipp }"),
                line: 5, message: "unknown persistence engine 'sipp' (did you mean 'sip'?)"),
    InvalidCase(rule: "IPv6 server in IPv4 NAT service", yaml: service("vip: 198.51.100.1\nport: 80\nforward: nat\nservers: [ \"2001:db8::1\" ]"),
                line: 6, message: "real server 2001:db8::1 is ipv6 but the service is ipv4; the kernel mixes families only with 'forward: tun'"),
    InvalidCase(rule: "IPv4 server in IPv6 DR service", yaml: service("vip: 2001:db8::1\nport: 80\nservers: [ 203.0.113.1 ]"),
                line: 5, message: "is ipv4 but the service is ipv6"),
    InvalidCase(rule: "tunnel settings without tun", yaml: service("vip: 198.51.100.1\nport: 80\nservers: [ { address: 203.0.113.1, tunnel: { type: gre } } ]"),
                line: 5, message: "tunnel settings apply only to 'forward: tun'"),
    InvalidCase(rule: "gue without port", yaml: service("vip: 198.51.100.1\nport: 80\nforward: tun\ntunnel: { type: gue }"),
                line: 6, message: "a gue tunnel needs 'port'"),
    InvalidCase(rule: "gre with remcsum", yaml: service("vip: 198.51.100.1\nport: 80\nforward: tun\ntunnel: { type: gre, checksum: remcsum }"),
                line: 6, message: "a gre tunnel cannot use remcsum"),
    InvalidCase(rule: "match on an address service", yaml: service("vip: 198.51.100.1\nport: 80\nmatch: { vip: 198.51.100.1 }"),
                line: 5, message: "'match' belongs to fwmark services"),
    InvalidCase(rule: "match vip of the wrong family", yaml: service("fwmark: 4\nfamily: ipv6\nmatch: { vip: 198.51.100.1 }"),
                line: 5, message: "match vip 198.51.100.1 is ipv4, but the service's family is ipv6"),
    InvalidCase(rule: "bad match port range", yaml: service("fwmark: 4\nmatch: { vip: 198.51.100.1, ports: [\"90-80\"] }"),
                line: 4, message: "port range '90-80' is not valid"),
    InvalidCase(rule: "service outside scope", yaml: "version: 1\nscope: { vips: [198.51.100.0/24] }\nservices:\n  - { vip: 203.0.113.1, port: 80 }\n",
                line: 4, message: "is outside 'scope'"),
    InvalidCase(rule: "timeout 0", yaml: "version: 1\ntimeouts: { tcp: 0 }\nservices: []\n", line: 2,
                message: "timeouts.tcp (seconds) 0 is out of range; valid: 1 to 2147483"),
    InvalidCase(rule: "two master sync daemons", yaml: "version: 1\nsync:\n  - { state: master, interface: eth1 }\n  - { state: master, interface: eth2 }\nservices: []\n",
                line: 4, message: "a master sync daemon is already declared at line 3"),
    InvalidCase(rule: "sync daemon without interface", yaml: "version: 1\nsync: [ { state: backup } ]\nservices: []\n", line: 2,
                message: "a sync daemon needs 'interface'"),
    InvalidCase(rule: "syncid above 255", yaml: "version: 1\nsync: [ { state: backup, interface: eth1, syncid: 256 } ]\nservices: []\n",
                line: 2, message: "syncid 256 is out of range; valid: 0 to 255"),
    InvalidCase(rule: "sync group not multicast", yaml: "version: 1\nsync: [ { state: backup, interface: eth1, group: 192.0.2.1 } ]\nservices: []\n",
                line: 2, message: "is not a multicast address"),
    InvalidCase(rule: "interface name too long", yaml: "version: 1\nsync: [ { state: backup, interface: averyveryverylongname } ]\nservices: []\n",
                line: 2, message: "is not a valid Linux interface name"),
    InvalidCase(rule: "unknown alias", yaml: "version: 1\nservices: *nothing\n", line: 2, message: "unknown alias '*nothing'"),
]

@Suite("validation rules")
struct ValidationTests {
    /// Also the hostile cases (HostileInputTests.swift) and the health checks' (HealthConfigTests.swift):
    /// no diagnostic echoes a control character.
    @Test(arguments: invalidCases + hostileCases + HealthConfigTests.invalid)
    func rejects(_ invalid: InvalidCase) throws {
        let result = load(invalid.yaml)
        #expect(result.state == nil)
        let first = try #require(result.errors.first { $0.message.contains(invalid.message) },
                                 "no error contains '\(invalid.message)'; got \(result.diagnostics.map(\.description))")
        #expect(first.line == invalid.line, "\(first)")
        if let column = invalid.column { #expect(first.column == column, "\(first)") }
        #expect(first.file == "test.yaml")
        #expect(!result.diagnostics.contains { !DisplayText.isPrintable($0.description) }, "a diagnostic echoes a control character")
    }

    @Test("several errors are reported in one run, in file order")
    func severalErrors() {
        let result = load(service("vip: 198.51.100.300\nport: 70000\nprotocol: tcpp\nscheduler: nope"))
        #expect(result.errors.map(\.line) == [3, 4, 5, 6])
    }

    /// Services 0..<count, one line each, with a bad port where `bad` says.
    private func largeConfig(_ count: Int, bad: Set<Int>) -> String {
        "version: 1\nservices:\n" + (0..<count).map { index in
            "  - { vip: 198.51.100.\(index % 250 + 1), port: \(bad.contains(index) ? 70000 : 1000 + index / 250) }\n"
        }.joined()
    }

    @Test("a large file, decoded on several threads, reports its errors in file order")
    func largeFileErrors() {
        let bad: Set = [7, 1_999, 2_000, 4_321, 5_999]
        var yaml = largeConfig(6_000, bad: bad)
        yaml += "  - { vip: 198.51.100.1, port: 1000 }\n"
        let result = load(yaml)
        #expect(result.state == nil)
        #expect(result.errors.map(\.line) == bad.sorted().map { $0 + 3 } + [6_003])
        #expect(result.errors.last?.message.contains("duplicate service tcp/198.51.100.1:1000") == true)
    }

    @Test("past 200 errors the rest are counted in one summary")
    func errorLimit() {
        let result = load(largeConfig(3_000, bad: Set(0..<300)))
        #expect(result.errors.count == 200)
        #expect(result.errors.prefix(199).map(\.line) == Array(3..<202))
        #expect(result.errors.last?.message == "101 more errors not shown; fix the ones above first")
    }

    @Test("diagnostics print in compiler style with the file as given")
    func compilerStyle() throws {
        let result = ConfigLoader.load(bytes: Array("version: 3\nservices: []\n".utf8), file: "conf/lb.yaml")
        #expect(result.errors.first?.description == "conf/lb.yaml:1:10: error: unsupported version 3; this lvsctl reads version 1")
    }

    @Test("a missing file is an error, not an empty table")
    func missingFile() {
        let result = ConfigLoader.load(path: "/nonexistent/lvs.yaml")
        #expect(result.state == nil)
        #expect(result.errors.first?.message == "cannot read config file: no such file")
    }

    @Test("an alias bomb is refused quickly")
    func aliasBomb() {
        var yaml = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for level in 1...9 {
            yaml += "a\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", ") + "]\n"
        }
        let result = load(yaml)
        #expect(result.errors.first?.message.contains("aliases and '<<' merges expand this file to more than") == true)
    }
}
