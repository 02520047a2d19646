/// The `net.ipv4.vs` sysctls that decide what a director sends to, and does with, the state its
/// sync daemons exchange: what a pair of directors tunes so that a failover keeps connections.
/// Each field left nil is not managed. Ranges are the kernel's (`ip_vs_ctl.c`,
/// Documentation/networking/ipvs-sysctl.rst).
public struct SyncSettings: Hashable, Sendable, Codable {
    /// `sync_threshold`: a connection is synced when its incoming packet count modulo `period`
    /// equals `threshold`. The kernel takes `threshold < period`, or any threshold when `period`
    /// is 0 (sync once, at the threshold, and on state changes).
    public struct Threshold: Hashable, Sendable, Codable {
        public var threshold: UInt32
        public var period: UInt32

        public init(threshold: UInt32, period: UInt32) {
            self.threshold = threshold
            self.period = period
        }

        /// What the kernel accepts.
        public var isValid: Bool { period == 0 || threshold < period }
    }

    /// The largest value of an int sysctl kept in jiffies, in seconds, whatever the kernel's HZ (≤ 1000).
    public static let maximumSeconds: UInt32 = 2_147_483
    /// `sync_retries`: 0–3.
    public static let maximumRetries: UInt8 = 3
    /// `conn_reuse_mode`: a bitmap of bits 1 and 2.
    public static let maximumConnReuseMode: UInt8 = 3

    public var threshold: Threshold?
    /// `sync_refresh_period` in seconds: resync a connection whose timer moved this much; 0 = off.
    public var refreshPeriod: UInt32?
    /// `sync_retries`: resends of a sync message, every `refreshPeriod / 8`.
    public var retries: UInt8?
    /// `sync_persist_mode`: 1 syncs only the persistence templates of persistent services.
    public var persistMode: UInt8?
    /// `sync_version`: 0 for receivers older than 2.6.39, 1 (default) otherwise.
    public var version: UInt8?
    /// `sloppy_tcp`: a connection may be picked up mid-stream, as a backup must after a failover
    /// when `persistMode` kept its connections out of sync.
    public var sloppyTCP: Bool?
    /// `sloppy_sctp`: as `sloppyTCP`, for SCTP.
    public var sloppySCTP: Bool?
    /// `conn_reuse_mode`: how a new connection reusing a synced or expiring one's ports is scheduled.
    public var connReuseMode: UInt8?
    /// `backup_only`: while a backup daemon runs, this host only receives state and does not
    /// direct traffic (against DR/TUN loops on a backup that also holds the VIP).
    public var backupOnly: Bool?

    public init(threshold: Threshold? = nil, refreshPeriod: UInt32? = nil, retries: UInt8? = nil, persistMode: UInt8? = nil,
                version: UInt8? = nil, sloppyTCP: Bool? = nil, sloppySCTP: Bool? = nil, connReuseMode: UInt8? = nil,
                backupOnly: Bool? = nil) {
        self.threshold = threshold
        self.refreshPeriod = refreshPeriod
        self.retries = retries
        self.persistMode = persistMode
        self.version = version
        self.sloppyTCP = sloppyTCP
        self.sloppySCTP = sloppySCTP
        self.connReuseMode = connReuseMode
        self.backupOnly = backupOnly
    }

    /// Each declared setting as its name — the config key under `director`, and the sysctl
    /// under `net.ipv4.vs.` — and the value written there (as the kernel reads it back, a
    /// vector's numbers separated by one space), in the documentation's order.
    public var values: [(name: String, value: String)] {
        let values: [(String, String?)] = [
            ("sync_threshold", threshold.map { "\($0.threshold) \($0.period)" }),
            ("sync_refresh_period", refreshPeriod.map { "\($0)" }),
            ("sync_retries", retries.map { "\($0)" }),
            ("sync_persist_mode", persistMode.map { "\($0)" }),
            ("sync_version", version.map { "\($0)" }),
            ("sloppy_tcp", sloppyTCP.map { $0 ? "1" : "0" }),
            ("sloppy_sctp", sloppySCTP.map { $0 ? "1" : "0" }),
            ("conn_reuse_mode", connReuseMode.map { "\($0)" }),
            ("backup_only", backupOnly.map { $0 ? "1" : "0" }),
        ]
        return values.compactMap { name, value in value.map { (name, $0) } }
    }

    /// Every name `values` may hold.
    public static let names = ["sync_threshold", "sync_refresh_period", "sync_retries", "sync_persist_mode", "sync_version",
                               "sloppy_tcp", "sloppy_sctp", "conn_reuse_mode", "backup_only"]
}
