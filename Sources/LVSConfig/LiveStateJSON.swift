public import LVSModel
internal import FoundationEssentials

/// The JSON form of a live table: what `lvsctl get --output json` prints and `lvsctl plan
/// --live FILE` reads back. Field names are part of lvsctl's interface (docs/json.md).
public enum LiveStateJSON {
    public static let format = "lvsctl-live/1"

    public static func encode(_ state: LiveState, statistics: Bool) throws -> String {
        let document = Document(state, statistics: statistics)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(document), as: UTF8.self)
    }

    /// Reads a document written by `encode`; the error names the field that is wrong.
    public static func decode(_ bytes: [UInt8]) throws(LiveStateJSONError) -> LiveState {
        let document: Document
        do {
            document = try JSONDecoder().decode(Document.self, from: Data(bytes))
        } catch let DecodingError.dataCorrupted(context), let DecodingError.keyNotFound(_, context),
                let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            let path = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            throw LiveStateJSONError(message: "\(path.isEmpty ? "document" : path): \(context.debugDescription)")
        } catch {
            throw LiveStateJSONError(message: "\(error)")
        }
        guard document.format == format else {
            throw LiveStateJSONError(message: "format is '\(document.format)'; this lvsctl reads '\(format)'")
        }
        return try document.state()
    }

    struct Document: Codable {
        var format: String
        var info: KernelInfo?
        var timeouts: Timeouts?
        var sync: [SyncDaemon]?
        var services: [ServiceDocument]

        init(_ state: LiveState, statistics: Bool) {
            format = LiveStateJSON.format
            info = state.info
            timeouts = state.table.timeouts
            sync = state.table.syncDaemons
            services = state.table.services.map {
                ServiceDocument($0, statistics: statistics ? state.statistics[$0.key] : nil)
            }
        }

        func state() throws(LiveStateJSONError) -> LiveState {
            var services: [VirtualService] = []
            for (index, document) in self.services.enumerated() {
                do {
                    services.append(try document.service())
                } catch {
                    throw LiveStateJSONError(message: ".services[\(index)]: \(error.message)")
                }
            }
            return LiveState(table: IPVSTable(services: services, timeouts: timeouts, syncDaemons: sync), info: info)
        }
    }

    struct ServiceDocument: Codable {
        var `protocol`: IPProtocol?
        var address: IPAddress?
        var port: UInt16?
        var fwmark: UInt32?
        var family: AddressFamily?
        var scheduler: Scheduler
        var flags: [String]
        var onePacket: Bool
        var persistence: Persistence?
        var servers: [ServerDocument]
        var stats: Counters?

        enum CodingKeys: String, CodingKey {
            case `protocol`, address, port, fwmark, family, scheduler, flags, persistence, servers, stats
            case onePacket = "one_packet"
        }

        init(_ service: VirtualService, statistics: ServiceStatistics?) {
            switch service.key {
            case .address(let proto, let address, let port):
                (self.protocol, self.address, self.port) = (proto, address, port)
            case .fwmark(let mark, let family):
                (fwmark, self.family) = (mark, family)
            }
            scheduler = service.scheduler
            flags = service.schedulerFlags.names(for: service.scheduler)
            onePacket = service.onePacket
            persistence = service.persistence
            servers = service.servers.map { ServerDocument($0, statistics: statistics?.servers[$0.key]) }
            stats = statistics?.counters
        }

        func service() throws(LiveStateJSONError) -> VirtualService {
            let key: ServiceKey
            if let fwmark {
                key = .fwmark(fwmark, family ?? .ipv4)
            } else if let proto = self.protocol, let address, let port {
                key = .address(proto, address, port: port)
            } else {
                throw LiveStateJSONError(message: "a service needs 'fwmark', or 'protocol', 'address' and 'port'")
            }
            var bits = SchedulerFlags()
            for name in flags {
                let names = scheduler.flagNames ?? [:]
                guard let bit = names.first(where: { $0.value == name })?.key
                    ?? ["flag-1": .flag1, "flag-2": .flag2, "flag-3": .flag3][name] else {
                    throw LiveStateJSONError(message: "unknown flag '\(name)' for scheduler \(scheduler)")
                }
                bits.insert(bit)
            }
            return VirtualService(key: key, scheduler: scheduler, schedulerFlags: bits, onePacket: onePacket,
                                  persistence: persistence, servers: servers.map(\.server))
        }
    }

    struct ServerDocument: Codable {
        var address: IPAddress
        var port: UInt16
        var forward: Forwarding
        var weight: UInt32
        var maxConns: UInt32
        var minConns: UInt32
        var activeConns: UInt32?
        var inactiveConns: UInt32?
        var persistentConns: UInt32?
        var stats: Counters?

        enum CodingKeys: String, CodingKey {
            case address, port, forward, weight, stats
            case maxConns = "max_conns", minConns = "min_conns", activeConns = "active_conns"
            case inactiveConns = "inactive_conns", persistentConns = "persistent_conns"
        }

        init(_ server: RealServer, statistics: ServerStatistics?) {
            address = server.address
            port = server.port
            forward = server.forwarding
            weight = server.weight
            maxConns = server.upperThreshold
            minConns = server.lowerThreshold
            activeConns = statistics?.activeConnections
            inactiveConns = statistics?.inactiveConnections
            persistentConns = statistics?.persistentConnections
            stats = statistics?.counters
        }

        var server: RealServer {
            RealServer(address: address, port: port, forwarding: forward, weight: weight,
                       upperThreshold: maxConns, lowerThreshold: minConns)
        }
    }
}

/// A JSON snapshot that cannot be read, with the path of the offending field.
public struct LiveStateJSONError: Error, Hashable, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
