/// Every key the config file accepts, per section: one list drives both the unknown-key check
/// (with its "did you mean") and the documentation in docs/config.md.
enum ConfigKeys {
    static let document = ["version", "scope", "defaults", "timeouts", "sync", "director", "extra_schedulers", "services"]
    static let scope = ["vips", "fwmarks"]
    static let defaults = ["scheduler", "forward", "tunnel", "weight"]
    static let timeouts = ["tcp", "tcpfin", "udp"]
    static let sync = ["state", "interface", "syncid", "maxlen", "group", "port", "ttl"]
    static let director = ["interface", "address", "ip_forward", "expire_nodest_conn", "expire_quiescent_template"]
    static let service = ["name", "vip", "protocol", "port", "fwmark", "family", "match", "scheduler", "flags",
                          "persistence", "forward", "tunnel", "weight", "servers"]
    static let persistence = ["timeout", "netmask", "engine"]
    static let match = ["vip", "protocol", "ports"]
    static let server = ["address", "port", "weight", "forward", "tunnel", "max_conns", "min_conns"]
    static let tunnel = ["type", "port", "checksum"]
}
