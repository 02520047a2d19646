import Foundation
import LVSConfig
import LVSModel
import Testing
import TestSupport

/// `lvsctl import`'s promise, checked without a kernel: whatever ipvsadm text the reader
/// accepts becomes a config that validates and means the same table, and whatever it cannot
/// say is refused with a location.
@Suite("import: ipvsadm text → config → validate")
struct ImportRoundTripTests {
    /// The config written for `text`, read back; fails the test when the reader refuses the text.
    private func imported(_ text: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> (IPVSTable, DesiredState) {
        let parsed = IPVSAdmFormat.parse(text, file: "in.txt")
        let table = try #require(parsed.table, "\(parsed.errors)", sourceLocation: sourceLocation)
        let written = try ConfigWriter.checkedYAML(DesiredState(table: table)).get()
        let reread = load(written, file: "out.yaml")
        #expect(reread.diagnostics == [], "\(written)", sourceLocation: sourceLocation)
        return (table, try #require(reread.state, sourceLocation: sourceLocation))
    }

    @Test(arguments: [
        // kube-proxy: many services, masquerading, rr, port 0 never.
        "-A -t 198.51.100.1:443 -s rr\n-a -t 198.51.100.1:443 -r 203.0.113.10:6443 -m -w 1\n-A -u 198.51.100.10:53 -s rr\n-a -u 198.51.100.10:53 -r 203.0.113.20:53 -m -w 1\n",
        // keepalived with persistence, thresholds and a sorry server at weight 0.
        "-A -t 198.51.100.80:80 -s wlc -p 300 -M 255.255.255.0\n-a -t 198.51.100.80:80 -r 203.0.113.1:80 -g -w 10 -x 500 -y 400\n-a -t 198.51.100.80:80 -r 203.0.113.2:80 -g -w 0\n",
        // docker swarm: fwmark services with masquerading and server ports.
        "-A -f 256 -s rr\n-a -f 256 -r 203.0.113.5:0 -m -w 1\n-a -f 256 -r 203.0.113.6:8080 -m -w 1\n",
        // fwmark dr and tun servers keep their ports; negative marks of ipvsadm ≤ 1.31.
        "-A -f 3 -s rr\n-a -f 3 -r 203.0.113.1:80 -i\n-a -f 3 -r 203.0.113.2:443 -g\n-A -f -1 -6 -s sh -b sh-port\n-a -f -1 -6 -r [2001:db8::9]:8443 -g\n",
        // a restore file: comments, --set, port names, the ipvsadm word.
        "# rules\nipvsadm -C\nipvsadm --set 900 120 300\n-A -t 198.51.100.10:https -s wrr # tls\n-a -t 198.51.100.10:https -r 203.0.113.1 -g -w 2\n",
        // a -Ln listing with tunnels and IPv6.
        "Prot LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port Forward Weight ActiveConn InActConn\nUDP  [2001:db8::53]:53 sh (sh-fallback) ops\n  -> [2001:db8::5]:53 Masq 1 0 0\n  -> 203.0.113.9:53 Tunnel 2 0 0\nFWM  7 rr persistent 60\n  -> 203.0.113.1:80 Tunnel 1 0 0\n",
    ])
    func realTablesReadBackAsThemselves(_ text: String) throws {
        let (table, state) = try imported(text)
        #expect(state.table == table)
    }

    @Test func externalVIPsAreWrittenAndReadBack() throws {
        let state = DesiredState(table: IPVSTable(), director: Director(vips: .external, ipForward: false))
        let written = try ConfigWriter.checkedYAML(state).get()
        #expect(written.contains("director: { vips: external, ip_forward: false }"))
    }

    @Test func fwmarkServerPortsAreWhatTheKernelHolds() throws {
        let (_, state) = try imported("-A -f 3 -s rr\n-a -f 3 -r 203.0.113.1:80 -i\n-a -f 3 -r 203.0.113.1:81 -g\n")
        #expect(state.table.services[0].servers.map(\.key.port) == [80, 81])
    }

    @Test(arguments: [
        ("-A -t 198.51.100.10:80 -s wl\u{1}c\n", "1:29"),
        ("-A -t 198.51.100.10:80 -s \"wl\\x01c\"\n", "1:27"),
        ("-A -u [2001:db8::1\u{0}]:53\n", "1:19"),
        ("-A -t 198.51.100.10:80 -s rr -p --pe x\u{7F}\n", "1:39"),
        ("-A -t 198.51.100.10:80 -s ../../x\n", "1:27"),
        ("TCP  198.51.100.10:80 w\u{0}lc\n", "1:24"),
    ])
    func hostileInputIsRefusedWhereItStands(_ text: String, at: String) {
        let result = IPVSAdmFormat.parse(text, file: "in.txt")
        #expect(result.table == nil)
        #expect(result.errors.map { "\($0.line):\($0.column)" } == [at], "\(result.errors)")
        #expect(result.errors.allSatisfy { !$0.description.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F } })
    }

    @Test("corrupted saves and listings never crash the reader; what it accepts imports to a config that reads back the same",
          arguments: [UInt64(1), 2, 3])
    func corruptedTextImportsOrIsRefused(seed: UInt64) throws {
        let folder = repositoryRoot.appendingPathComponent("Tests/LVSCtlTests/Expected")
        let saves = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
            .map { Array(try Data(contentsOf: folder.appendingPathComponent($0))) }
        let listing = Array("""
            IP Virtual Server version 1.2.1 (size=4096)
            Prot LocalAddress:Port Scheduler Flags
              -> RemoteAddress:Port           Forward TunnelInfo    Weight ActiveConn InActConn
            TCP  198.51.100.10:80 wlc persistent 360 mask 255.255.255.0
              -> 203.0.113.13:80              Tunnel  gue:6080:+c   1      0          0
              -> 203.0.113.12:8080            Masq    n/a           0      0          0
            FWM  -1 IPv6 mh (mh-port) persistent 100 mask 64 pe sip
              -> [2001:db8::5]:443            Route   n/a           1      0          0

            """.utf8)
        let originals = saves + [listing]
        var rng = SplitMix64(state: seed)
        for round in 0..<1_500 {
            let mutated = mutate(originals[round % originals.count], using: &rng)
            let result = IPVSAdmFormat.parse(String(decoding: mutated, as: UTF8.self), file: "mutated.txt")
            let lines = mutated.count { $0 == UInt8(ascii: "\n") } + 1
            #expect((result.table == nil) == !result.errors.isEmpty, "seed \(seed) round \(round)")
            for diagnostic in result.diagnostics {
                #expect((1...lines).contains(diagnostic.line) && diagnostic.column >= 1, "seed \(seed) round \(round): \(diagnostic)")
            }
            guard let table = result.table else { continue }
            if case .failure(let mismatch) = ConfigWriter.checkedYAML(DesiredState(table: table)) {
                Issue.record("seed \(seed) round \(round): \(mismatch)\n\(String(decoding: mutated, as: UTF8.self))")
            }
        }
    }

    @Test func theWriterNeverChangesAString() throws {
        let key = ServiceKey.address(.tcp, IPAddress("198.51.100.10")!, port: 80)
        let table = IPVSTable(services: [VirtualService(key: key, scheduler: .rr)])
        let specials: [Unicode.Scalar] = (0..<0x20).compactMap(Unicode.Scalar.init) + ["\u{7F}", "\u{85}", "\u{9B}", "\u{A0}", "\u{FEFF}",
                                                                                        "\u{FFFE}", "\u{FFFF}", "\"", "\\", "é", "☃"]
        for special in specials {
            let name = "a" + String(special) + "1c"
            let written = ConfigWriter.yaml(DesiredState(table: table, names: [key: name]))
            #expect(!written.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" }, "U+\(special.value)")
            let reread = load(written)
            if let state = reread.state {
                #expect(state.names[key] == name, "U+\(special.value): \(written)")
            }
        }
        let written = ConfigWriter.yaml(DesiredState(table: table, names: [key: "wl\u{1}c"]))
        #expect(written.contains(#"name: "wl\x01c""#))
    }
}
