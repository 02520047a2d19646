import LVSConfig
import LVSModel
import Testing
import TestSupport

/// The save example of the reference (section 7.1), with its real-server addresses moved into TEST-NET.
private let referenceSave = """
    -A -t 192.0.2.10:443 -s wlc -p 360 -M 255.255.255.0
    -a -t 192.0.2.10:443 -r 203.0.113.11:443 -g -w 1
    -a -t 192.0.2.10:443 -r 203.0.113.12:443 -g -w 0
    -A -u [2001:db8::53]:53 -s sh -o -b sh-fallback,sh-port
    -a -u [2001:db8::53]:53 -r [2001:db8::10]:53 -m -w 5
    -A -f 7 -s mh -b mh-port
    -a -f 7 -r 203.0.113.20:0 -i -w 1 --tun-type gue --tun-port 6080 --tun-csum

    """

private func ip(_ text: String) -> IPAddress { IPAddress(text)! }

/// The table of `text`, failing the test with the diagnostics when there is none.
private func table(_ text: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> IPVSTable {
    let result = IPVSAdmFormat.parse(text, file: "save.txt")
    return try #require(result.table, "\(result.diagnostics)", sourceLocation: sourceLocation)
}

@Suite("IPVSAdm save format: reading")
struct IPVSAdmParseTests {
    @Test func readsTheReferenceExampleFieldByField() throws {
        let parsed = try table(referenceSave)
        #expect(parsed.timeouts == nil && parsed.syncDaemons == nil)
        #expect(parsed.services.count == 3)

        let web = parsed.services[0]
        #expect(web.key == .address(.tcp, ip("192.0.2.10"), port: 443))
        #expect(web.scheduler == .wlc)
        #expect(web.schedulerFlags.isEmpty)
        #expect(!web.onePacket)
        #expect(web.persistence == Persistence(timeout: 360, netmaskLength: 24))
        #expect(web.servers == [
            RealServer(address: ip("203.0.113.11"), port: 443, forwarding: .dr, weight: 1),
            RealServer(address: ip("203.0.113.12"), port: 443, forwarding: .dr, weight: 0),
        ])

        let dns = parsed.services[1]
        #expect(dns.key == .address(.udp, ip("2001:db8::53"), port: 53))
        #expect(dns.scheduler == .sh)
        #expect(dns.schedulerFlags == [.flag1, .flag2])
        #expect(dns.onePacket)
        #expect(dns.persistence == nil)
        #expect(dns.servers == [RealServer(address: ip("2001:db8::10"), port: 53, forwarding: .nat, weight: 5)])

        let marked = parsed.services[2]
        #expect(marked.key == .fwmark(7, .ipv4))
        #expect(marked.scheduler == .mh)
        #expect(marked.schedulerFlags == [.flag2])
        #expect(!marked.onePacket)
        #expect(marked.persistence == nil)
        #expect(marked.servers == [
            RealServer(address: ip("203.0.113.20"), port: 0, forwarding: .tunnel(.gue(port: 6080, checksum: .csum)), weight: 1),
        ])
    }

    @Test func savesTheReferenceExampleByteForByte() throws {
        #expect(IPVSAdmFormat.save(try table(referenceSave)) == referenceSave)
    }

    @Test func appliesIpvsadmDefaults() throws {
        let parsed = try table("-A -t 198.51.100.10:80\n-a -t 198.51.100.10:80 -r 203.0.113.11\n")
        let service = parsed.services[0]
        #expect(service.scheduler == .wlc)
        #expect(service.persistence == nil)
        #expect(service.servers == [RealServer(address: ip("203.0.113.11"), port: 80, forwarding: .dr, weight: 1)])
    }

    @Test func persistenceDefaultsToTheFullNetmaskAnd360Seconds() throws {
        let parsed = try table("""
            -A -t 198.51.100.10:0 -s rr -p
            -A -f 9 -6 -s rr -p -M 64 --pe sip
            -A -u [2001:db8::1]:53 -p 60
            """)
        #expect(parsed.services[0].persistence == Persistence(timeout: 360, netmaskLength: 32))
        #expect(parsed.services[1].persistence == Persistence(timeout: 60, netmaskLength: 128))
        #expect(parsed.services[2].persistence == Persistence(timeout: 360, netmaskLength: 64, engine: "sip"))
    }

    @Test func acceptsLongSpellingsCommentsAndTheIpvsadmWord() throws {
        let text = """
            # saved by hand
            ipvsadm --add-service --udp-service 198.51.100.53:53 --scheduler=rr --ops   # DNS

            \tipvsadm --add-server --udp-service 198.51.100.53:53 --real-server 192.0.2.5:5353 --masquerading --weight=3 --u-threshold 10 --l-threshold 5
            --add-service --sctp-service [2001:db8::7]:9 --persistent 30 --netmask 48 --sched-flags flag-3
            --add-service --fwmark-service 4 --ipv6 --scheduler sh --sched-flags sh-port
            --add-server --fwmark-service 4 --ipv6 --real-server 192.0.2.9 --ipip --tun-type gre --tun-csum
            """
        let parsed = try table(text)
        #expect(parsed.services.map(\.key) == [
            .address(.udp, ip("198.51.100.53"), port: 53),
            .address(.sctp, ip("2001:db8::7"), port: 9),
            .fwmark(4, .ipv6),
        ])
        #expect(parsed.services[0].onePacket)
        #expect(parsed.services[0].servers == [RealServer(address: ip("192.0.2.5"), port: 5353, forwarding: .nat, weight: 3,
                                                          upperThreshold: 10, lowerThreshold: 5)])
        #expect(parsed.services[1].persistence == Persistence(timeout: 30, netmaskLength: 48))
        #expect(parsed.services[1].schedulerFlags == [.flag3])
        #expect(parsed.services[2].schedulerFlags == [.flag2])
        #expect(parsed.services[2].servers == [RealServer(address: ip("192.0.2.9"), port: 0,
                                                          forwarding: .tunnel(.gre(checksum: .csum)))])
    }

    @Test func readsNegativeFwmarksOfStockIpvsadm() throws {
        let parsed = try table("-A -f -5 -s rr\n-A -f -2147483648 -s rr\n-A -f 4294967295 -6 -s rr\n")
        #expect(Set(parsed.services.map(\.key)) == [.fwmark(4_294_967_291, .ipv4), .fwmark(2_147_483_648, .ipv4),
                                                    .fwmark(4_294_967_295, .ipv6)])
    }

    @Test func realServerPortsFollowIpvsadmRules() throws {
        let result = IPVSAdmFormat.parse("""
            -A -t 198.51.100.10:80 -s rr
            -a -t 198.51.100.10:80 -r 203.0.113.1 -m
            -a -t 198.51.100.10:80 -r 203.0.113.2:8080 -m
            -a -t 198.51.100.10:80 -r 203.0.113.3:8080 -g
            -a -t 198.51.100.10:80 -r 203.0.113.4:8080 -i
            -A -f 3 -s rr
            -a -f 3 -r 203.0.113.5
            -a -f 3 -r 203.0.113.6:443 -g
            """, file: "save.txt")
        let parsed = try #require(result.table)
        #expect(parsed.services[0].servers.map(\.port) == [80, 8080, 80, 80])
        #expect(parsed.services[1].servers.map(\.port) == [0, 443])
        #expect(result.diagnostics.map(\.severity) == [.warning, .warning])
        #expect(result.diagnostics.map { "\($0.line):\($0.column)" } == ["4:27", "5:27"])
        #expect(result.diagnostics[0].message.contains("port 8080 is ignored: dr forwarding cannot map ports"))
    }

    @Test func readsRestoreFilesAsIpvsadmRestoreDoes() throws {
        let parsed = try table("""
            # /etc/ipvsadm.rules, written by hand
            ipvsadm -C
            --set 900 120 0

            -A -t 198.51.100.10:http -s wrr          # web
            -a -t 198.51.100.10:http -r 203.0.113.11:www -g -w 3
            -A -u [2001:db8::53]:domain -s rr
            -a -u [2001:db8::53]:domain -r [2001:db8::5]:mdns -m
            -A --sctp-service 198.51.100.11:amqp -s rr
            -A -f -2147483648 -s rr
            -a -f -2147483648 -r 203.0.113.1:https -i
            ipvsadm --set 0 0 300
            """)
        #expect(parsed.timeouts == Timeouts(tcp: 900, tcpFin: 120, udp: 300))
        #expect(parsed.services.map(\.key) == [
            .address(.tcp, ip("198.51.100.10"), port: 80),
            .address(.sctp, ip("198.51.100.11"), port: 5672),
            .address(.udp, ip("2001:db8::53"), port: 53),
            .fwmark(2_147_483_648, .ipv4),
        ])
        #expect(parsed.services[0].servers.map(\.port) == [80])
        #expect(parsed.services[2].servers.map(\.port) == [5353])
        #expect(parsed.services[3].servers.map(\.port) == [443])
    }

    @Test func readsSyncDaemonsWithIpvsadmDefaults() throws {
        let parsed = try table("""
            ipvsadm --start-daemon master --mcast-interface eth1 --syncid 10
            --start-daemon=backup --syncid=7 --mcast-group 239.1.2.3 --mcast-port 8849 --mcast-ttl 2 --sync-maxlen 1400
            -C
            """)
        #expect(parsed.syncDaemons == [
            SyncDaemon(state: .master, interface: "eth1", syncID: 10),
            SyncDaemon(state: .backup, interface: "eth0", syncID: 7, maxLength: 1400, group: ip("239.1.2.3"), port: 8849, ttl: 2),
        ])
        #expect(try table("-A -t 198.51.100.10:80\n").syncDaemons == nil)
    }

    @Test func timeoutsOfZeroStayUnmanaged() throws {
        #expect(try table("--set 0 0 0\n").timeouts == nil)
        #expect(try table("--set 0 60 0\n-C\n").timeouts == Timeouts(tcpFin: 60))
    }

    @Test func readsCarriageReturnsAndCommentsInsideWords() throws {
        let parsed = try table("-A -t 198.51.100.10:80 -s rr\r\n-a -t 198.51.100.10:80 -r 203.0.113.1 -w 7#weight\r\n")
        #expect(parsed.services[0].servers[0].weight == 7)
    }

    @Test func clearStartsOver() throws {
        let parsed = try table("-A -t 198.51.100.10:80\nipvsadm -C\n-A -t 198.51.100.11:80\n")
        #expect(parsed.services.map(\.key) == [.address(.tcp, ip("198.51.100.11"), port: 80)])
    }

    @Test func optionsMayComeInAnyOrder() throws {
        let parsed = try table("-A -M 255.255.0.0 -p 10 -s rr -t 198.51.100.10:80\n-a -w 4 -r 203.0.113.1 -t 198.51.100.10:80\n")
        #expect(parsed.services[0].persistence == Persistence(timeout: 10, netmaskLength: 16))
        #expect(parsed.services[0].servers[0].weight == 4)
    }

    @Test func emptyInputIsAnEmptyTable() throws {
        #expect(try table("") == IPVSTable())
        #expect(try table("# nothing\n\n") == IPVSTable())
        #expect(IPVSAdmFormat.save(IPVSTable()) == "")
    }
}

/// One bad input and the error it must produce: where, and a part of what it says.
private struct BadLine: CustomTestStringConvertible, Sendable {
    var rule: String
    var text: String
    var line: Int
    var column: Int
    var message: String

    var testDescription: String { rule }
}

private let service80 = "-A -t 198.51.100.10:80 -s rr\n"

private let badLines: [BadLine] = [
    BadLine(rule: "unknown option", text: "-A -t 198.51.100.10:80 -s wlc --bogus\n", line: 1, column: 31,
            message: "unknown option '--bogus'"),
    BadLine(rule: "misspelt option", text: "-A -t 198.51.100.10:80 --schedular rr\n", line: 1, column: 24,
            message: "unknown option '--schedular' (did you mean '--scheduler'?)"),
    BadLine(rule: "edit command", text: "-E -t 198.51.100.10:80 -s rr\n", line: 1, column: 1,
            message: "'-E' edits a service; a saved table is built from -A (add service), -a (add server), -C, --set and --start-daemon lines only"),
    BadLine(rule: "no command", text: "-t 198.51.100.10:80 -s rr\n", line: 1, column: 1, message: "this line has no command"),
    BadLine(rule: "stray word", text: "-A -t 198.51.100.10:80 rr\n", line: 1, column: 24, message: "unexpected 'rr'"),
    BadLine(rule: "option twice", text: "-A -t 198.51.100.10:80 -s rr -s wlc\n", line: 1, column: 30,
            message: "-s (--scheduler) is given twice; the first is at column 24"),
    BadLine(rule: "missing value", text: "-A -t 198.51.100.10:80 -s\n", line: 1, column: 24,
            message: "-s (--scheduler) needs a value: the scheduler name"),
    BadLine(rule: "bad IPv4 address", text: "-A -t 192.0.2.300:80 -s rr\n", line: 1, column: 7,
            message: "service address '192.0.2.300' is not an IP address"),
    BadLine(rule: "host name", text: "-A -t www.example.com:80\n", line: 1, column: 7, message: "host names are not resolved"),
    BadLine(rule: "unknown port name", text: "-A -t 198.51.100.10:htp\n", line: 1, column: 21,
            message: "port 'htp' is not a tcp service name in lvsctl's built-in copy of Debian's /etc/services"),
    BadLine(rule: "port name of another protocol", text: "-A -u 198.51.100.10:http\n", line: 1, column: 21,
            message: "port 'http' is not a udp service name"),
    BadLine(rule: "NUL inside an IPv6 address", text: "-A -u [2001:db8::1\u{0}]:53 -s rr\n", line: 1, column: 19,
            message: "U+0000 (a control character) is not allowed here"),
    BadLine(rule: "control byte in a scheduler", text: "-A -t 198.51.100.10:80 -s wl\u{1}c\n", line: 1, column: 29,
            message: "U+0001 (a control character) is not allowed here"),
    BadLine(rule: "terminal escape", text: "-A -t 198.51.100.10:80 -s rr\u{1B}[2J\n", line: 1, column: 29,
            message: "U+001B (a control character)"),
    BadLine(rule: "C1 control", text: "-A -t 198.51.100.10:80 -s rr\u{9B}2J\n", line: 1, column: 29,
            message: "U+009B (a control character)"),
    BadLine(rule: "non-ASCII word", text: "-A -t 198.51.100.10:80 -s rré\n", line: 1, column: 29, message: "U+00E9 is not allowed here"),
    BadLine(rule: "scheduler that is no module name", text: "-A -t 198.51.100.10:80 -s wl-c\n", line: 1, column: 27,
            message: "scheduler 'wl-c' is not a kernel scheduler name; use 1–15 letters, digits or '_'"),
    BadLine(rule: "scheduler name too long", text: "-A -t 198.51.100.10:80 -s abcdefghijklmnop\n", line: 1, column: 27,
            message: "is not a kernel scheduler name"),
    BadLine(rule: "unknown persistence engine", text: "-A -u 198.51.100.10:5060 -p --pe sipp\n", line: 1, column: 34,
            message: "unknown persistence engine 'sipp' (did you mean 'sip'?)"),
    BadLine(rule: "two master daemons", text: "--start-daemon master\n--start-daemon master --syncid 2\n", line: 2, column: 1,
            message: "a master sync daemon is already started at line 1"),
    BadLine(rule: "unknown daemon state", text: "--start-daemon primary\n", line: 1, column: 16,
            message: "sync daemon state 'primary' is not valid; use master or backup"),
    BadLine(rule: "misspelt daemon option", text: "--start-daemon master --sycnid 3\n", line: 1, column: 23,
            message: "unknown sync daemon option '--sycnid' (did you mean '--syncid'?)"),
    BadLine(rule: "syncid above 255", text: "--start-daemon master --syncid=256\n", line: 1, column: 32,
            message: "syncid '256' is not valid; use a whole number from 0 to 255"),
    BadLine(rule: "unicast sync group", text: "--start-daemon master --mcast-group 192.0.2.1\n", line: 1, column: 37,
            message: "is not a multicast address"),
    BadLine(rule: "interface with a slash", text: "--start-daemon backup --mcast-interface ../x\n", line: 1, column: 41,
            message: "interface '../x' is not a valid Linux interface name"),
    BadLine(rule: "--set with two timeouts", text: "--set 900 120\n", line: 1, column: 1,
            message: "--set takes three timeouts in seconds, TCP TCPFIN UDP"),
    BadLine(rule: "--set with four timeouts", text: "ipvsadm --set 900 120 300 5\n", line: 1, column: 27,
            message: "--set takes three timeouts"),
    BadLine(rule: "--set beyond the kernel's range", text: "--set 900 2147484 300\n", line: 1, column: 11,
            message: "timeout '2147484' is not valid; use a whole number from 0 to 2147483"),
    BadLine(rule: "port out of range", text: "-A -t 198.51.100.10:65536\n", line: 1, column: 21,
            message: "port '65536' is not a number from 0 to 65535"),
    BadLine(rule: "IPv4 in brackets", text: "-A -t [192.0.2.1]:80\n", line: 1, column: 7, message: "brackets are only for IPv6"),
    BadLine(rule: "bad real-server address", text: service80 + "-a -t 198.51.100.10:80 -r 203.0.113:80\n", line: 2, column: 27,
            message: "real server address '203.0.113' is not an IP address"),
    BadLine(rule: "server before its service", text: "-a -t 198.51.100.10:80 -r 203.0.113.1\n" + service80, line: 1, column: 7,
            message: "service -t 198.51.100.10:80 is not added before this line"),
    BadLine(rule: "server of an undeclared service", text: service80 + "-a -u 198.51.100.10:80 -r 203.0.113.1\n", line: 2,
            column: 7, message: "service -u 198.51.100.10:80 is not added before this line"),
    BadLine(rule: "weight too large", text: service80 + "-a -t 198.51.100.10:80 -r 203.0.113.1 -w 65536\n", line: 2,
            column: 42, message: "weight '65536' is not valid; use a whole number from 0 to 65535"),
    BadLine(rule: "negative weight", text: service80 + "-a -t 198.51.100.10:80 -r 203.0.113.1 -w -1\n", line: 2,
            column: 42, message: "weight '-1' is not valid"),
    BadLine(rule: "weight not a number", text: service80 + "-a -t 198.51.100.10:80 -r 203.0.113.1 --weight=heavy\n", line: 2,
            column: 48, message: "weight 'heavy' is not valid"),
    BadLine(rule: "gre with remote checksum", text: service80 + "-a -t 198.51.100.10:80 -r 203.0.113.1 -i --tun-type gre --tun-remcsum\n",
            line: 2, column: 57, message: "a gre tunnel cannot use --tun-remcsum; use --tun-nocsum or --tun-csum"),
    BadLine(rule: "gue without port", text: service80 + "-a -t 198.51.100.10:80 -r 203.0.113.1 -i --tun-type gue\n",
            line: 2, column: 42, message: "a gue tunnel needs --tun-port"),
    BadLine(rule: "gre with port", text: service80 + "-a -t 198.51.100.10:80 -r 203.0.113.1 -i --tun-type gre --tun-port 1\n",
            line: 2, column: 57, message: "--tun-port applies to gue tunnels only"),
    BadLine(rule: "ipip with checksum", text: service80 + "-a -t 198.51.100.10:80 -r 203.0.113.1 -i --tun-csum\n",
            line: 2, column: 42, message: "--tun-csum does not apply to an ipip tunnel"),
    BadLine(rule: "two checksum modes", text: service80 + "-a -t 198.51.100.10:80 -r 203.0.113.1 -i --tun-type gue --tun-port 6080 --tun-csum --tun-nocsum\n",
            line: 2, column: 84, message: "--tun-nocsum conflicts with --tun-csum"),
    BadLine(rule: "tunnel options without -i", text: service80 + "-a -t 198.51.100.10:80 -r 203.0.113.1 -m --tun-type ipip\n",
            line: 2, column: 42, message: "--tun-type applies to tunnelled servers only; add -i (--ipip)"),
    BadLine(rule: "unknown tunnel type", text: service80 + "-a -t 198.51.100.10:80 -r 203.0.113.1 -i --tun-type gree\n",
            line: 2, column: 53, message: "unknown tunnel type 'gree' (did you mean 'gre'?)"),
    BadLine(rule: "two forwarding methods", text: service80 + "-a -t 198.51.100.10:80 -r 203.0.113.1 -m -g\n", line: 2,
            column: 42, message: "one forwarding method per server: -m (--masquerading) is already given"),
    BadLine(rule: "mixed families without tunnel", text: service80 + "-a -t 198.51.100.10:80 -r [2001:db8::1]:80 -g\n",
            line: 2, column: 27, message: "the kernel mixes families only for tunnelled servers (-i)"),
    BadLine(rule: "lower threshold above upper", text: service80 + "-a -t 198.51.100.10:80 -r 203.0.113.1 -x 5 -y 6\n",
            line: 2, column: 47, message: "lower threshold 6 is above the upper threshold 5"),
    BadLine(rule: "server setting on a service", text: "-A -t 198.51.100.10:80 -w 3\n", line: 1, column: 24,
            message: "-w (--weight) is a real-server setting"),
    BadLine(rule: "service setting on a server", text: service80 + "-a -t 198.51.100.10:80 -r 203.0.113.1 -s rr\n", line: 2,
            column: 39, message: "-s (--scheduler) is a service setting"),
    BadLine(rule: "no real server", text: service80 + "-a -t 198.51.100.10:80 -w 1\n", line: 2, column: 1,
            message: "-a needs the real server: -r ADDRESS[:PORT]"),
    BadLine(rule: "no service", text: "-A -s rr\n", line: 1, column: 1, message: "-A needs the service"),
    BadLine(rule: "two services", text: "-A -t 198.51.100.10:80 -u 198.51.100.10:80\n", line: 1, column: 24,
            message: "one service per line"),
    BadLine(rule: "-6 on an address service", text: "-A -t 198.51.100.10:80 -6\n", line: 1, column: 24,
            message: "-6 (--ipv6) makes a fwmark service (-f) IPv6"),
    BadLine(rule: "fwmark 0", text: "-A -f 0\n", line: 1, column: 7, message: "firewall mark '0' is not valid"),
    BadLine(rule: "fwmark beyond 32 bits", text: "-A -f 4294967296\n", line: 1, column: 7, message: "firewall mark '4294967296'"),
    BadLine(rule: "port 0 without persistence", text: "-A -t 198.51.100.10:0 -s rr\n", line: 1, column: 7,
            message: "port 0 (every port) needs persistence"),
    BadLine(rule: "one-packet on TCP", text: "-A -t 198.51.100.10:80 -o\n", line: 1, column: 24,
            message: "one-packet scheduling (-o) is only for UDP and fwmark services"),
    BadLine(rule: "sh flag under wlc", text: "-A -t 198.51.100.10:80 -s wlc -b flag-1,sh-port\n", line: 1, column: 41,
            message: "scheduler flag 'sh-port' belongs to the sh scheduler; this service uses wlc"),
    BadLine(rule: "unknown scheduler flag", text: "-A -t 198.51.100.10:80 -s sh -b sh-fallbak\n", line: 1, column: 33,
            message: "unknown scheduler flag 'sh-fallbak' (did you mean 'sh-fallback'?)"),
    BadLine(rule: "netmask without persistence", text: "-A -t 198.51.100.10:80 -M 255.255.255.0\n", line: 1, column: 24,
            message: "-M applies to persistent services; add -p"),
    BadLine(rule: "engine without persistence", text: "-A -u 198.51.100.10:5060 --pe sip\n", line: 1, column: 26,
            message: "--pe applies to persistent services"),
    BadLine(rule: "non-contiguous netmask", text: "-A -t 198.51.100.10:80 -p -M 255.0.255.0\n", line: 1, column: 30,
            message: "netmask 255.0.255.0 is not contiguous"),
    BadLine(rule: "prefix length on IPv4", text: "-A -t 198.51.100.10:80 -p -M 24\n", line: 1, column: 30,
            message: "(a prefix length is only for IPv6 services)"),
    BadLine(rule: "IPv6 prefix out of range", text: "-A -f 1 -6 -p -M 129\n", line: 1, column: 18,
            message: "IPv6 netmask prefix length '129' is not valid; use a whole number from 1 to 128"),
    BadLine(rule: "persistence timeout too long", text: "-A -t 198.51.100.10:80 -p 2678401\n", line: 1, column: 27,
            message: "persistence timeout '2678401' is not valid; use a whole number from 1 to 2678400"),
    BadLine(rule: "duplicate service", text: service80 + "\n" + service80, line: 3, column: 1,
            message: "service -t 198.51.100.10:80 is already added at line 1"),
    BadLine(rule: "duplicate server", text: service80 + "-a -t 198.51.100.10:80 -r 203.0.113.1\n-a -t 198.51.100.10:80 -r 203.0.113.1:80 -w 2\n",
            line: 3, column: 27, message: "real server 203.0.113.1:80 is already added to -t 198.51.100.10:80 at line 2"),
    BadLine(rule: "value on a flag", text: "-A -u 198.51.100.10:53 --ops=yes\n", line: 1, column: 30, message: "-o (--ops) takes no value"),
]

@Suite("IPVSAdm save format: errors")
struct IPVSAdmErrorTests {
    @Test(arguments: badLines)
    fileprivate func reportsTheOffendingWord(_ bad: BadLine) throws {
        let result = IPVSAdmFormat.parse(bad.text, file: "bad.save")
        #expect(result.table == nil)
        let error = try #require(result.errors.first)
        #expect(result.errors.count == 1, "\(result.errors)")
        #expect(error.file == "bad.save")
        #expect("\(error.line):\(error.column)" == "\(bad.line):\(bad.column)", "\(error)")
        #expect(error.message.contains(bad.message), "\(error.message)")
    }

    @Test func pastTwoHundredErrorsTheRestAreCountedInOneSummary() {
        let result = IPVSAdmFormat.parse(String(repeating: "-A -t 198.51.100.10:80 -s wl\u{1}c\n", count: 100_000), file: "bad.save")
        #expect(result.table == nil)
        #expect(result.errors.count == 201)
        #expect(result.errors.last.map { "\($0.line):\($0.column)" } == "201:29")
        #expect(result.errors.last?.message == "99800 more errors not shown (the first here); fix the ones above first")
    }

    @Test func reportsEveryBadLineButNotTheServersOfARejectedService() {
        let result = IPVSAdmFormat.parse("""
            -A -t 198.51.100.10:80 -s rr -o
            -a -t 198.51.100.10:80 -r 203.0.113.1
            -A -t 198.51.100.11:80 -s rr
            -a -t 198.51.100.11:80 -r 203.0.113.1 -w 99999
            -a -t 198.51.100.11:80 -r 203.0.113.2 --wieght 2
            """, file: "bad.save")
        #expect(result.table == nil)
        #expect(result.errors.map(\.line) == [1, 4, 5])
        #expect(result.errors[2].message == "unknown option '--wieght' (did you mean '--weight'?)")
        #expect(result.errors[0].description.hasPrefix("bad.save:1:30: error: one-packet scheduling"))
    }
}

/// Random tables that ipvsadm can hold: every key kind and family, every mainline scheduler
/// with random flags, one-packet where allowed, persistence with netmask and engine, every
/// forwarding method ipvsadm can write, thresholds and weights over their whole range.
private struct TableGenerator {
    var random: SplitMix64

    mutating func address(_ family: AddressFamily) -> IPAddress {
        switch family {
        case .ipv4:
            let net: UInt32 = [0xC000_0200, 0xC633_6400, 0xCB00_7100].randomElement(using: &random)!
            return IPAddress(ipv4: net | UInt32.random(in: 0...255, using: &random))
        case .ipv6:
            return IPAddress(ipv6High: 0x2001_0DB8_0000_0000 | UInt64.random(in: 0...0xFFFF_FFFF, using: &random),
                             low: [0, 1, UInt64.random(in: 0...UInt64.max, using: &random)].randomElement(using: &random)!)
        }
    }

    mutating func family() -> AddressFamily { Bool.random(using: &random) ? .ipv4 : .ipv6 }

    mutating func key() -> ServiceKey {
        let family = family()
        switch Int.random(in: 0..<4, using: &random) {
        case 0: return .fwmark([1, 7, UInt32.max, UInt32.random(in: 1...UInt32.max, using: &random)].randomElement(using: &random)!, family)
        case let n:
            let port: UInt16 = [0, 80, 443, UInt16.random(in: 0...UInt16.max, using: &random)].randomElement(using: &random)!
            return .address([.tcp, .udp, .sctp][n - 1], address(family), port: port)
        }
    }

    mutating func service() -> VirtualService {
        let key = key()
        var service = VirtualService(key: key, scheduler: Scheduler.mainline.randomElement(using: &random)!)
        service.schedulerFlags = SchedulerFlags(rawValue: UInt32.random(in: 0...7, using: &random) << 3)
        if case .address(let proto, _, _) = key, proto != .udp {} else { service.onePacket = Bool.random(using: &random) }
        var portZero = false
        if case .address(_, _, 0) = key { portZero = true }
        if portZero || Bool.random(using: &random) {
            let bits = key.family.bitWidth
            service.persistence = Persistence(
                timeout: [1, 360, Persistence.maximumTimeout, UInt32.random(in: 1...Persistence.maximumTimeout, using: &random)]
                    .randomElement(using: &random)!,
                netmaskLength: Bool.random(using: &random) ? bits : Int.random(in: (key.family == .ipv6 ? 1 : 0)...bits, using: &random),
                engine: Bool.random(using: &random) ? "sip" : nil)
        }
        var servers: [ServerKey: RealServer] = [:]
        for _ in 0..<Int.random(in: 0...5, using: &random) {
            let server = server(for: key)
            servers[server.key] = server
        }
        service.servers = Array(servers.values)
        return service
    }

    mutating func server(for key: ServiceKey) -> RealServer {
        let forwarding: Forwarding = switch Int.random(in: 0..<6, using: &random) {
        case 0: .nat
        case 1: .dr
        case 2: .tunnel(.ipip)
        case 3: .tunnel(.gue(port: UInt16.random(in: 1...UInt16.max, using: &random), checksum: checksum(allowingRemote: true)))
        case 4: .tunnel(.gre(checksum: checksum(allowingRemote: false)))
        default: .tunnel(.gue(port: 6080, checksum: .remcsum))
        }
        let family = forwarding.isTunnel ? family() : key.family
        var port = UInt16.random(in: 0...UInt16.max, using: &random)
        if case .address(_, _, let servicePort) = key, forwarding != .nat { port = servicePort }
        let upper = Bool.random(using: &random) ? 0 : UInt32.random(in: 0...RealServer.maximumThreshold, using: &random)
        return RealServer(address: address(family), port: port, forwarding: forwarding,
                          weight: [0, 1, RealServer.maximumWeight, UInt32.random(in: 0...RealServer.maximumWeight, using: &random)]
                              .randomElement(using: &random)!,
                          upperThreshold: upper, lowerThreshold: UInt32.random(in: 0...upper, using: &random))
    }

    mutating func checksum(allowingRemote: Bool) -> TunnelChecksum {
        (allowingRemote ? TunnelChecksum.allCases : [.none, .csum]).randomElement(using: &random)!
    }

    mutating func table() -> IPVSTable {
        var services: [ServiceKey: VirtualService] = [:]
        for _ in 0..<Int.random(in: 0...8, using: &random) {
            let service = service()
            services[service.key] = service
        }
        return IPVSTable(services: Array(services.values))
    }
}

@Suite("IPVSAdm save format: round trip")
struct IPVSAdmRoundTripTests {
    @Test(arguments: [UInt64(1), 2, 3, 0x5EED, 0xC0FFEE])
    func parseOfSaveIsTheTable(seed: UInt64) throws {
        var generator = TableGenerator(random: SplitMix64(state: seed))
        for round in 0..<200 {
            let original = generator.table()
            let text = IPVSAdmFormat.save(original)
            let result = IPVSAdmFormat.parse(text, file: "seed-\(seed)")
            #expect(result.diagnostics.isEmpty, "seed \(seed) round \(round): \(result.diagnostics)\n\(text)")
            #expect(result.table == original, "seed \(seed) round \(round):\n\(text)")
            if result.table != original { return }
        }
    }

    @Test func saveListsServicesInIpvsadmOrder() throws {
        let keys: [ServiceKey] = [
            .fwmark(2, .ipv4), .fwmark(1, .ipv6), .fwmark(1, .ipv4),
            .address(.udp, ip("2001:db8::1"), port: 53), .address(.sctp, ip("192.0.2.1"), port: 9),
            .address(.tcp, ip("198.51.100.1"), port: 80), .address(.tcp, ip("192.0.2.1"), port: 443),
            .address(.tcp, ip("192.0.2.1"), port: 80), .address(.udp, ip("192.0.2.1"), port: 53),
        ]
        let text = IPVSAdmFormat.save(IPVSTable(services: keys.map { VirtualService(key: $0, scheduler: .rr) }))
        #expect(text == """
            -A -t 192.0.2.1:80 -s rr
            -A -t 192.0.2.1:443 -s rr
            -A -t 198.51.100.1:80 -s rr
            -A -u 192.0.2.1:53 -s rr
            -A --sctp-service 192.0.2.1:9 -s rr
            -A -u [2001:db8::1]:53 -s rr
            -A -f 1 -s rr
            -A -f 1 -6 -s rr
            -A -f 2 -s rr

            """)
    }

    @Test func saveAppendsThresholdsOnlyWhenSet() {
        let key = ServiceKey.address(.tcp, ip("198.51.100.10"), port: 80)
        let service = VirtualService(key: key, servers: [
            RealServer(address: ip("203.0.113.1"), port: 80),
            RealServer(address: ip("203.0.113.2"), port: 80, upperThreshold: 100),
            RealServer(address: ip("203.0.113.3"), port: 80, forwarding: .tunnel(.ipip), weight: 2, upperThreshold: 9, lowerThreshold: 3),
        ])
        #expect(IPVSAdmFormat.save(IPVSTable(services: [service])) == """
            -A -t 198.51.100.10:80 -s wlc
            -a -t 198.51.100.10:80 -r 203.0.113.1:80 -g -w 1
            -a -t 198.51.100.10:80 -r 203.0.113.2:80 -g -w 1 -x 100 -y 0
            -a -t 198.51.100.10:80 -r 203.0.113.3:80 -i -w 2 --tun-type ipip -x 9 -y 3

            """)
    }

    @Test func savePrintsUnknownSchedulersFlagsGenerically() throws {
        let service = VirtualService(key: .fwmark(3_000_000_000, .ipv6), scheduler: "wlc",
                                     schedulerFlags: [.flag1, .flag3], onePacket: true,
                                     persistence: Persistence(timeout: 5, netmaskLength: 56, engine: "sip"))
        let text = IPVSAdmFormat.save(IPVSTable(services: [service]))
        #expect(text == "-A -f 3000000000 -6 -s wlc -p 5 -M 56 --pe sip -o -b flag-1,flag-3\n")
        #expect(try table(text).services == [service])
    }
}

@Suite("IPVSAdm commands")
struct IPVSAdmCommandTests {
    static let web = ServiceKey.address(.tcp, ip("198.51.100.10"), port: 80)

    @Test func serviceCommands() {
        let persistent = VirtualService(key: Self.web, persistence: Persistence(timeout: 360, netmaskLength: 24))
        #expect(IPVSAdmFormat.command(.addService(persistent))
            == ["-A", "-t", "198.51.100.10:80", "-s", "wlc", "-p", "360", "-M", "255.255.255.0"])
        let dns = VirtualService(key: .address(.udp, ip("2001:db8::53"), port: 53), scheduler: .sh,
                                 schedulerFlags: [.flag1, .flag2], onePacket: true,
                                 persistence: Persistence(timeout: 60, netmaskLength: 128, engine: "sip"))
        #expect(IPVSAdmFormat.command(.updateService(dns))
            == ["-E", "-u", "[2001:db8::53]:53", "-s", "sh", "-p", "60", "--pe", "sip", "-o", "-b", "sh-fallback,sh-port"])
        #expect(IPVSAdmFormat.command(.addService(VirtualService(key: .fwmark(10, .ipv6), scheduler: .mh, schedulerFlags: [.flag1])))
            == ["-A", "-f", "10", "-6", "-s", "mh", "-b", "mh-fallback"])
        #expect(IPVSAdmFormat.command(.addService(VirtualService(key: .address(.sctp, ip("192.0.2.1"), port: 0),
                                                                 persistence: Persistence(netmaskLength: 0))))
            == ["-A", "--sctp-service", "192.0.2.1:0", "-s", "wlc", "-p", "360", "-M", "0.0.0.0"])
        #expect(IPVSAdmFormat.command(.deleteService(Self.web)) == ["-D", "-t", "198.51.100.10:80"])
        #expect(IPVSAdmFormat.command(.deleteService(.fwmark(10, .ipv4))) == ["-D", "-f", "10"])
    }

    @Test func serverCommands() {
        let nat = RealServer(address: ip("203.0.113.11"), port: 8080, forwarding: .nat, weight: 3,
                             upperThreshold: 1000, lowerThreshold: 800)
        #expect(IPVSAdmFormat.command(.addServer(nat, service: Self.web))
            == ["-a", "-t", "198.51.100.10:80", "-r", "203.0.113.11:8080", "-m", "-w", "3", "-x", "1000", "-y", "800"])
        let gue = RealServer(address: ip("2001:db8::11"), port: 80, forwarding: .tunnel(.gue(port: 6080, checksum: .remcsum)))
        #expect(IPVSAdmFormat.command(.updateServer(gue, service: Self.web))
            == ["-e", "-t", "198.51.100.10:80", "-r", "[2001:db8::11]:80", "-i", "-w", "1",
                "--tun-type", "gue", "--tun-port", "6080", "--tun-remcsum"])
        let gre = RealServer(address: ip("203.0.113.12"), port: 0, forwarding: .tunnel(.gre(checksum: .none)), weight: 0)
        #expect(IPVSAdmFormat.command(.addServer(gre, service: .fwmark(7, .ipv4)))
            == ["-a", "-f", "7", "-r", "203.0.113.12:0", "-i", "-w", "0", "--tun-type", "gre", "--tun-nocsum"])
        let local = RealServer(address: ip("198.51.100.10"), port: 80, forwarding: .local)
        #expect(IPVSAdmFormat.command(.addServer(local, service: Self.web))
            == ["-a", "-t", "198.51.100.10:80", "-r", "198.51.100.10:80", "-g", "-w", "1"])
        #expect(IPVSAdmFormat.command(.deleteServer(ServerKey(address: ip("2001:db8::11"), port: 80), service: .fwmark(7, .ipv6)))
            == ["-d", "-f", "7", "-6", "-r", "[2001:db8::11]:80"])
    }

    @Test func timeoutDaemonAndCounterCommands() {
        #expect(IPVSAdmFormat.command(.setTimeouts(Timeouts(tcp: 900, tcpFin: 120, udp: 300))) == ["--set", "900", "120", "300"])
        #expect(IPVSAdmFormat.command(.setTimeouts(Timeouts(udp: 30))) == ["--set", "0", "0", "30"])
        #expect(IPVSAdmFormat.command(.startSyncDaemon(SyncDaemon(state: .master, interface: "eth1", syncID: 10)))
            == ["--start-daemon", "master", "--mcast-interface", "eth1", "--syncid", "10"])
        let full = SyncDaemon(state: .backup, interface: "eth2", syncID: 255, maxLength: 1472,
                              group: ip("239.0.0.81"), port: 8849, ttl: 2)
        #expect(IPVSAdmFormat.command(.startSyncDaemon(full))
            == ["--start-daemon", "backup", "--mcast-interface", "eth2", "--syncid", "255", "--sync-maxlen", "1472",
                "--mcast-group", "239.0.0.81", "--mcast-port", "8849", "--mcast-ttl", "2"])
        #expect(IPVSAdmFormat.command(.stopSyncDaemon(.master)) == ["--stop-daemon", "master"])
        #expect(IPVSAdmFormat.command(.zeroCounters(nil)) == ["-Z"])
        #expect(IPVSAdmFormat.command(.zeroCounters(Self.web)) == ["-Z", "-t", "198.51.100.10:80"])
    }

    @Test func scriptQuotesWhatTheShellWouldChange() {
        let script = IPVSAdmFormat.script([
            .addService(VirtualService(key: .address(.udp, ip("2001:db8::53"), port: 53), scheduler: .rr)),
            .addServer(RealServer(address: ip("2001:db8::10"), port: 53, forwarding: .nat),
                       service: .address(.udp, ip("2001:db8::53"), port: 53)),
            .startSyncDaemon(SyncDaemon(state: .master, interface: "it's eth", syncID: 1)),
            .deleteService(Self.web),
        ])
        #expect(script == """
            ipvsadm -A -u '[2001:db8::53]:53' -s rr
            ipvsadm -a -u '[2001:db8::53]:53' -r '[2001:db8::10]:53' -m -w 1
            ipvsadm --start-daemon master --mcast-interface 'it'\\''s eth' --syncid 1
            ipvsadm -D -t 198.51.100.10:80

            """)
        #expect(IPVSAdmFormat.script([]) == "")
    }

    @Test func scriptLinesReadBackAsTheTable() throws {
        var generator = TableGenerator(random: SplitMix64(state: 42))
        let original = generator.table()
        let operations = original.services.flatMap { service in
            [IPVSOperation.addService(service)] + service.servers.map { .addServer($0, service: service.key) }
        }
        let unquoted = IPVSAdmFormat.script(operations).replacingQuotes()
        #expect(try table(unquoted) == original)
    }
}

private extension String {
    /// The script with its single quotes removed, as the shell would before ipvsadm sees the words.
    func replacingQuotes() -> String { filter { $0 != "'" } }
}
