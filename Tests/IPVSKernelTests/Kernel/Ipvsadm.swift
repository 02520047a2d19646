import Foundation
import LVSModel

/// ipvsadm as an independent reader (and writer) of the kernel table: the kernel tests compare
/// what the adapter wrote with what ipvsadm's own netlink code reads back.
enum Ipvsadm {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Runs `ipvsadm` with `arguments` (and `input` on stdin); returns stdout, throws on failure.
    @discardableResult
    static func run(_ arguments: [String], input: String? = nil) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/ipvsadm")
        process.arguments = arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        let stdin = Pipe()
        process.standardInput = stdin
        try process.run()
        if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
        try stdin.fileHandleForWriting.close()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let problem = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(description: "ipvsadm \(arguments.joined(separator: " ")) failed: \(problem)")
        }
        return text
    }

    /// The table as `ipvsadm -Sn` saves it, parsed into model values. `-S` omits thresholds
    /// and prints local forwarding as `-g`; `listColumns` reads those.
    static func savedTable() throws -> [VirtualService] {
        var services: [ServiceKey: VirtualService] = [:]
        for line in try run(["-Sn"]).split(separator: "\n") {
            var tokens = line.split(separator: " ").map(String.init)[...]
            let command = tokens.removeFirst()
            let key = try serviceKey(&tokens)
            var options: [String: String] = [:]
            while let option = tokens.popFirst() {
                switch option {
                case "-o", "-6", "-g", "-m", "-i", "--tun-csum", "--tun-nocsum", "--tun-remcsum": options[option] = ""
                case "-p" where tokens.first.map({ Int($0) == nil }) ?? true: options[option] = "360"
                default: options[option] = tokens.popFirst() ?? ""
                }
            }
            if command == "-A" {
                services[key] = VirtualService(key: key, scheduler: Scheduler(rawValue: options["-s"] ?? ""),
                                               schedulerFlags: flags(options["-b"]), onePacket: options["-o"] != nil,
                                               persistence: persistence(options, family: key.family))
            } else {
                let (address, port) = try endpoint(options["-r"] ?? "")
                services[key]?.servers.append(RealServer(address: address, port: port, forwarding: forwarding(options),
                                                         weight: UInt32(options["-w"] ?? "") ?? 0))
            }
        }
        return services.values.sorted { $0.key < $1.key }
    }

    /// The server rows of `ipvsadm -Ln [variant]`: for each server its service, its key and
    /// the columns after the address (`Forward Weight ActiveConn InActConn`, or per variant).
    static func listColumns(_ variant: String? = nil) throws -> [ServiceKey: [ServerKey: [String]]] {
        var rows: [ServiceKey: [ServerKey: [String]]] = [:]
        var current: ServiceKey?
        for line in try run(["-Ln"] + (variant.map { [$0] } ?? [])).split(separator: "\n") {
            let fields = line.split(separator: " ").map(String.init)
            switch fields.first {
            case "TCP", "UDP", "SCTP":
                let (address, port) = try endpoint(fields[1])
                current = .address(IPProtocol(rawValue: fields[0].lowercased())!, address, port: port)
            case "FWM":
                current = .fwmark(UInt32(fields[1])!, fields.count > 2 && fields[2] == "IPv6" ? .ipv6 : .ipv4)
            case "->" where fields.count > 1 && fields[1] != "RemoteAddress:Port":
                let (address, port) = try endpoint(fields[1])
                rows[current!, default: [:]][ServerKey(address: address, port: port)] = Array(fields.dropFirst(2))
            default:
                continue
            }
        }
        return rows
    }

    private static func serviceKey(_ tokens: inout ArraySlice<String>) throws -> ServiceKey {
        let kind = tokens.removeFirst()
        let value = tokens.removeFirst()
        if kind == "-f" {
            let isIPv6 = tokens.first == "-6"
            if isIPv6 { tokens.removeFirst() }
            return .fwmark(UInt32(value)!, isIPv6 ? .ipv6 : .ipv4)
        }
        let proto: IPProtocol = kind == "-t" ? .tcp : kind == "-u" ? .udp : .sctp
        let (address, port) = try endpoint(value)
        return .address(proto, address, port: port)
    }

    /// `198.51.100.1:80` or `[2001:db8::1]:80`.
    static func endpoint(_ text: String) throws -> (IPAddress, UInt16) {
        guard let colon = text.lastIndex(of: ":"),
              let port = UInt16(text[text.index(after: colon)...]),
              let address = IPAddress(String(text[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]")))
        else { throw Failure(description: "bad endpoint \(text)") }
        return (address, port)
    }

    private static func flags(_ list: String?) -> SchedulerFlags {
        var flags: SchedulerFlags = []
        for name in list?.split(separator: ",") ?? [] {
            switch name {
            case "sh-fallback", "mh-fallback", "flag-1": flags.insert(.flag1)
            case "sh-port", "mh-port", "flag-2": flags.insert(.flag2)
            default: flags.insert(.flag3)
            }
        }
        return flags
    }

    private static func persistence(_ options: [String: String], family: AddressFamily) -> Persistence? {
        guard let timeout = options["-p"].flatMap({ UInt32($0) }) else { return nil }
        var length = family.bitWidth
        if let mask = options["-M"] {
            length = family == .ipv6 ? Int(mask)! : IPAddress(mask)!.ipv4Value!.nonzeroBitCount
        }
        return Persistence(timeout: timeout, netmaskLength: length, engine: options["--pe"])
    }

    private static func forwarding(_ options: [String: String]) -> Forwarding {
        if options["-m"] != nil { return .nat }
        guard options["-i"] != nil else { return .dr }
        let checksum: TunnelChecksum = options["--tun-csum"] != nil ? .csum : options["--tun-remcsum"] != nil ? .remcsum : .none
        switch options["--tun-type"] {
        case "gue": return .tunnel(.gue(port: UInt16(options["--tun-port"] ?? "") ?? 0, checksum: checksum))
        case "gre": return .tunnel(.gre(checksum: checksum))
        default: return .tunnel(.ipip)
        }
    }
}
