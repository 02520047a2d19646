import Foundation
import Testing

/// Tables as directors in the field keep them (restore files of kube-proxy, keepalived, docker
/// swarm and a university director; `ipvsadm -Ln` listings pasted into tickets), imported,
/// applied, and compared with what ipvsadm builds from the same text in the reference namespace.
private struct FieldTable: CustomTestStringConvertible, Sendable {
    var name: String
    /// What `lvsctl import` reads.
    var text: String
    var testDescription: String { name }

    /// What `ipvsadm -R` reads: stock ipvsadm refuses comments (init scripts strip them) and
    /// cannot restore the negative marks it saves.
    var reference: String {
        text.split(separator: "\n").map { $0.prefix { $0 != "#" } }.filter { !$0.allSatisfy(\.isWhitespace) }
            .joined(separator: "\n").replacingOccurrences(of: "-f -2 ", with: "-f 4294967294 ") + "\n"
    }
}

private let fieldTables = [
    FieldTable(name: "kube-proxy", text: """
        -A -t 198.51.100.1:443 -s rr
        -a -t 198.51.100.1:443 -r 203.0.113.10:6443 -m -w 1
        -a -t 198.51.100.1:443 -r 203.0.113.11:6443 -m -w 1
        -A -u 198.51.100.10:53 -s rr
        -a -u 198.51.100.10:53 -r 203.0.113.20:53 -m -w 1
        -A -t 198.51.100.10:53 -s rr
        -a -t 198.51.100.10:53 -r 203.0.113.20:53 -m -w 1
        -A -t 198.51.100.30:30080 -s rr
        -a -t 198.51.100.30:30080 -r 203.0.113.30:8080 -m -w 1

        """),
    FieldTable(name: "keepalived", text: """
        -A -t 198.51.100.80:80 -s wlc -p 300 -M 255.255.255.0
        -a -t 198.51.100.80:80 -r 203.0.113.1:80 -g -w 10
        -a -t 198.51.100.80:80 -r 203.0.113.2:80 -g -w 0
        -A -t 198.51.100.80:443 -s wlc -p 300
        -a -t 198.51.100.80:443 -r 203.0.113.1:443 -g -w 10
        -a -t 198.51.100.80:443 -r 203.0.113.2:443 -g -w 10
        -A -u [2001:db8::80]:53 -s sh -b sh-port
        -a -u [2001:db8::80]:53 -r [2001:db8::1]:53 -g -w 1
        --start-daemon master --mcast-interface eth1 --syncid 51

        """),
    FieldTable(name: "docker swarm", text: """
        -A -f 256 -s rr
        -a -f 256 -r 203.0.113.5:0 -m -w 1
        -a -f 256 -r 203.0.113.6:0 -m -w 1
        -A -f 257 -s rr
        -a -f 257 -r 203.0.113.7:0 -m -w 1

        """),
    FieldTable(name: "university restore file", text: """
        # /etc/sysconfig/ipvsadm on lvs1
        ipvsadm -C
        ipvsadm --set 7200 60 600

        -A -t 198.51.100.100:http -s wlc
        -a -t 198.51.100.100:http -r 203.0.113.101:http -g -w 2
        -a -t 198.51.100.100:http -r 203.0.113.102:8080 -g -w 1   # ipvsadm serves port 80
        -A -t 198.51.100.100:https -s sh -b sh-fallback
        -a -t 198.51.100.100:https -r 203.0.113.101 -i -w 1
        -A -u 198.51.100.53:domain -s rr -o
        -a -u 198.51.100.53:domain -r 203.0.113.53:domain -m
        \t-A -f 3 -s rr -p 600
        -a -f 3 -r 203.0.113.1:80 -i
        -a -f 3 -r 203.0.113.2:443 -g -w 5
        -A -f -2 -s rr
        -a -f -2 -r 203.0.113.3:8443 -i --tun-type gue --tun-port 6080 --tun-csum
        -A -f 4 -6 -s mh -b mh-port
        -a -f 4 -6 -r [2001:db8::44]:80 -g

        """),
]

/// A table with what each listing layout shows and hides: thresholds, tunnel types, IPv6,
/// mixed families, flags, persistence with netmask and engine, fwmarks with server ports.
private let listedTable = """
    -A -t 198.51.100.10:80 -s wlc -p 360 -M 255.255.255.0
    -a -t 198.51.100.10:80 -r 203.0.113.11:80 -g -w 3 -x 100 -y 50
    -a -t 198.51.100.10:80 -r 203.0.113.12:8080 -m -w 0
    -a -t 198.51.100.10:80 -r 203.0.113.13 -i --tun-type gue --tun-port 6080 --tun-csum
    -a -t 198.51.100.10:80 -r 203.0.113.14 -i --tun-type gre --tun-csum
    -a -t 198.51.100.10:80 -r 203.0.113.15 -i
    -A -u [2001:db8::53]:53 -s sh -b sh-fallback,sh-port -o
    -a -u [2001:db8::53]:53 -r [2001:db8::1234:5678:9abc:def0:1234]:5353 -m
    -a -u [2001:db8::53]:53 -r 203.0.113.16 -i
    -A -f 3 -s rr -p
    -a -f 3 -r 203.0.113.1:80 -i
    -a -f 3 -r 203.0.113.2 -g
    -A -f 4294967295 -6 -s mh -b mh-port -p 100 -M 64 --pe sip
    -a -f 4294967295 -6 -r [2001:db8::5]:443 -g
    -A --sctp-service 198.51.100.11:0 -s lc -p 50
    -A -t 198.51.100.12:443 -s wrr

    """

extension ApplyKernelTests {
    /// `lvsctl import` of `text` into a config file, failing the test on a refusal.
    private func imported(_ text: String, _ name: String) throws -> (file: String, warnings: String) {
        let source = try temporaryFile("import-source.txt", text)
        let yaml = try lvsctl("import", source)
        #expect(yaml.status == 0, "\(name): \(yaml.error)")
        return (try temporaryFile("imported.yaml", yaml.output), yaml.error)
    }

    /// `get` → a file → `plan` of it changes nothing on this host.
    private func expectGetPlansNothing(_ name: String) throws -> String {
        let got = try lvsctl("get")
        #expect(got.status == 0, "\(name): \(got.error)")
        let file = try temporaryFile("got.yaml", got.output)
        let plan = try lvsctl("plan", "-f", file, "--detailed-exitcode")
        #expect(plan.status == 0, "\(name): get → plan is not empty:\n\(got.output)\n\(plan.output)\(plan.error)")
        return got.output
    }

    @Test("restore files from the field, imported and applied, equal what ipvsadm -R builds; plans and get → plan are empty",
          arguments: fieldTables)
    fileprivate func fieldTablesRoundTrip(_ table: FieldTable) throws {
        try ipvsadm(Self.referenceNamespace, "-C")
        try ipvsadm(Self.referenceNamespace, "-R", input: table.reference)
        let timeouts = table.text.contains("--set"), daemons = table.text.contains("--start-daemon")

        let (file, _) = try imported(table.text, table.name)
        let applied = try apply(file, "--allow-mass-delete")
        #expect(applied.status == 0, "\(table.name): \(applied.output)\(applied.error)")
        #expect(try view(nil, timeouts: timeouts, daemons: daemons)
            == view(Self.referenceNamespace, timeouts: timeouts, daemons: daemons), "\(table.name)")
        let again = try lvsctl("plan", "-f", file, "--detailed-exitcode")
        #expect(again.status == 0, "\(table.name): second plan is not empty:\n\(again.output)")
        _ = try expectGetPlansNothing(table.name)
        if daemons {
            // The kernel refuses mixed-family tunnel servers, which later tests add, while a daemon runs.
            try ipvsadm(Self.referenceNamespace, "--stop-daemon", "master")
            try ipvsadm(nil, "--stop-daemon", "master")
        }
    }

    @Test("ipvsadm -Ln listings, imported and applied, list as the original does, and say what they cannot carry",
          arguments: [([], "shows no thresholds (-x/-y) and no tunnel types"),
                      (["--tun-info"], "shows no thresholds (-x/-y): servers are read without them"),
                      (["--thresholds"], "shows no forwarding methods or weights"),
                      (["--persistent-conn"], "shows no forwarding methods or thresholds")])
    func listingsRoundTrip(_ variant: [String], warning: String) throws {
        try ipvsadm(Self.referenceNamespace, "-C")
        try ipvsadm(Self.referenceNamespace, "-R", input: listedTable)
        let listing = try ipvsadmAllowingFailure(Self.referenceNamespace, ["-Ln"] + variant).output

        let (file, warnings) = try imported(listing, "-Ln \(variant)")
        #expect(warnings.contains(warning), "\(warnings)")
        let applied = try apply(file, "--allow-mass-delete")
        #expect(applied.status == 0, "\(applied.output)\(applied.error)")
        #expect(try ipvsadmAllowingFailure(nil, ["-Ln"] + variant).output == listing, "\(listing)")
        #expect(try lvsctl("plan", "-f", file, "--detailed-exitcode").status == 0)
    }

    @Test("get on a director whose VIPs were bound by hand says vips: external, and its plan is empty")
    func getWithVIPsBoundByHand() throws {
        let empty = try temporaryFile("empty.yaml", "version: 1\nservices: []\n")
        #expect(try apply(empty, "--allow-mass-delete").status == 0)
        try ip(nil, "link", "add", "uplink0", "type", "dummy")
        try ip(nil, "link", "set", "uplink0", "up")
        defer { _ = try? ip(nil, "link", "del", "uplink0") }
        try ip(nil, "address", "add", "198.51.100.200/32", "dev", "uplink0")
        try ip(nil, "address", "add", "2001:db8::200/128", "dev", "uplink0")
        try ip(nil, "address", "add", "198.51.100.201/32", "dev", "lo")
        defer { _ = try? ip(nil, "address", "del", "198.51.100.201/32", "dev", "lo") }
        try ipvsadm(nil, "-R", input: """
            -A -t 198.51.100.200:80 -s rr
            -a -t 198.51.100.200:80 -r 203.0.113.1:8080 -m
            -A -u [2001:db8::200]:53 -s rr
            -a -u [2001:db8::200]:53 -r [2001:db8::1]:53 -g
            -A -t 198.51.100.201:443 -s wlc
            -a -t 198.51.100.201:443 -r 203.0.113.2:443 -g

            """)
        let addressesBefore = try ip(nil, "-o", "address", "show").output
        let got = try expectGetPlansNothing("VIPs by hand")
        #expect(got.contains("director: { vips: external"), "\(got)")

        let file = try temporaryFile("got.yaml", got)
        #expect(try apply(file).status == 0)
        #expect(try ip(nil, "-o", "address", "show").output == addressesBefore, "apply bound or removed a VIP")
    }
}
