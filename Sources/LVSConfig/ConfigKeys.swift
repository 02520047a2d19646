/// The keys one kind of mapping in the config accepts: an enum per section, whose cases are
/// spelled as the file spells its keys (`max_conns`) and listed in the order the documentation
/// gives them. One list drives both the unknown-key check (with its "did you mean") and every
/// look-up, and a decoded mapping keeps its values by case: a file of half a million keys is
/// read without a string, or a search by name, per key.
protocol ConfigKey: RawRepresentable<Int>, CaseIterable, Sendable where AllCases == [Self] {
    static var table: KeyTable<Self> { get }
}

extension ConfigKey {
    /// The key as the file writes it.
    var name: String { Self.table.names[rawValue] }
}

/// A section's key names, made once per section.
struct KeyTable<Key: ConfigKey>: Sendable {
    /// By case.
    let names: [String]
    private let spellings: [[UInt8]]

    init() {
        names = Key.allCases.map { String(describing: $0) }
        spellings = names.map { Array($0.utf8) }
        precondition(names.indices.elementsEqual(Key.allCases.map(\.rawValue)) && names.count <= Fields<Key>.capacity,
                     "the cases of \(Key.self) must be numbered 0, 1, 2… and fit a mapping's slots")
    }

    /// The key that `bytes` spell, if any.
    func key(spelled bytes: UnsafeBufferPointer<UInt8>) -> Key? {
        spellings.firstIndex { $0.count == bytes.count && $0.elementsEqual(bytes) }.flatMap(Key.init(rawValue:))
    }
}

enum ConfigKeys {
    enum Document: Int, ConfigKey {
        case version, scope, defaults, timeouts, sync, director, extra_schedulers, services
        static let table = KeyTable<Self>()
    }

    enum Scope: Int, ConfigKey {
        case vips, fwmarks
        static let table = KeyTable<Self>()
    }

    enum Defaults: Int, ConfigKey {
        case scheduler, forward, tunnel, weight, check, on_failure
        static let table = KeyTable<Self>()
    }

    enum Timeouts: Int, ConfigKey {
        case tcp, tcpfin, udp
        static let table = KeyTable<Self>()
    }

    enum Sync: Int, ConfigKey {
        case state, interface, syncid, maxlen, group, port, ttl
        static let table = KeyTable<Self>()
    }

    enum Director: Int, ConfigKey {
        case interface, vips, address, ip_forward, expire_nodest_conn, expire_quiescent_template, announce,
             sync_threshold, sync_refresh_period, sync_retries, sync_persist_mode, sync_version, sloppy_tcp, sloppy_sctp,
             conn_reuse_mode, backup_only
        static let table = KeyTable<Self>()
    }

    enum Announce: Int, ConfigKey {
        case interface
        static let table = KeyTable<Self>()
    }

    enum Service: Int, ConfigKey {
        case name, vip, `protocol`, port, fwmark, family, match, scheduler, flags, persistence, forward, tunnel,
             weight, check, on_failure, quorum, sorry_server, servers
        static let table = KeyTable<Self>()
    }

    enum Persistence: Int, ConfigKey {
        case timeout, netmask, engine
        static let table = KeyTable<Self>()
    }

    enum Match: Int, ConfigKey {
        case vip, `protocol`, ports
        static let table = KeyTable<Self>()
    }

    enum Server: Int, ConfigKey {
        case address, port, weight, forward, tunnel, max_conns, min_conns, check
        static let table = KeyTable<Self>()
    }

    enum Check: Int, ConfigKey {
        case type, interval, timeout, rise, fall, address, port, method, path, host, status, body, server_name, verify,
             query, query_type, transport, rcode, command
        static let table = KeyTable<Self>()
    }

    enum Quorum: Int, ConfigKey {
        case servers, weight
        static let table = KeyTable<Self>()
    }

    enum Tunnel: Int, ConfigKey {
        case type, port, checksum
        static let table = KeyTable<Self>()
    }
}
