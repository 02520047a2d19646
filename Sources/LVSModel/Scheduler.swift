/// An IPVS scheduler, named as its kernel module `ip_vs_<name>` is. Any name is representable,
/// because a kernel may carry schedulers from out-of-tree modules.
public struct Scheduler: RawRepresentable, Hashable, Sendable, Codable, Comparable, CustomStringConvertible,
    ExpressibleByStringLiteral
{
    public let rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }

    public static let rr: Scheduler = "rr"
    public static let wrr: Scheduler = "wrr"
    public static let lc: Scheduler = "lc"
    public static let wlc: Scheduler = "wlc"
    public static let sed: Scheduler = "sed"
    public static let nq: Scheduler = "nq"
    public static let lblc: Scheduler = "lblc"
    public static let lblcr: Scheduler = "lblcr"
    public static let dh: Scheduler = "dh"
    public static let sh: Scheduler = "sh"
    public static let fo: Scheduler = "fo"
    public static let ovf: Scheduler = "ovf"
    public static let mh: Scheduler = "mh"
    public static let twos: Scheduler = "twos"

    /// The schedulers of the mainline kernel.
    public static let mainline: [Scheduler] = [.rr, .wrr, .lc, .wlc, .sed, .nq, .lblc, .lblcr, .dh, .sh, .fo, .ovf, .mh, .twos]

    /// The kernel module that provides the scheduler.
    public var moduleName: String { "ip_vs_\(rawValue)" }

    /// Whether `name` can follow `ip_vs_` in a module's name: 1–15 ASCII letters, digits or `_`.
    /// Configs (`extra_schedulers`) and ipvsadm text hold names to this one rule, so an import
    /// always validates.
    public static func isValidName(_ name: String) -> Bool {
        (1...15).contains(name.utf8.count) && name.utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "_")
        }
    }

    /// The names this scheduler gives its three flag bits; nil where it ignores them.
    public var flagNames: [SchedulerFlags.Element: String]? {
        switch self {
        case .sh: [.flag1: "sh-fallback", .flag2: "sh-port"]
        case .mh: [.flag1: "mh-fallback", .flag2: "mh-port"]
        case _ where Self.mainline.contains(self): nil
        default: [.flag1: "flag-1", .flag2: "flag-2", .flag3: "flag-3"]
        }
    }

    public var description: String { rawValue }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// The three scheduler-specific flag bits of a service, as the kernel stores them
/// (`IP_VS_SVC_F_SCHED1…3`). What they mean depends on the scheduler: see `Scheduler.flagNames`.
public struct SchedulerFlags: OptionSet, Hashable, Sendable, Codable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue & Self.all.rawValue }

    public static let flag1 = SchedulerFlags(rawValue: 0x08)
    public static let flag2 = SchedulerFlags(rawValue: 0x10)
    public static let flag3 = SchedulerFlags(rawValue: 0x20)
    static let all = SchedulerFlags(uncheckedRawValue: 0x38)

    private init(uncheckedRawValue: UInt32) { rawValue = uncheckedRawValue }

    /// The set bits, lowest first.
    public var members: [SchedulerFlags] { [.flag1, .flag2, .flag3].filter(contains) }

    /// The names of the set bits under `scheduler`, e.g. `["sh-fallback", "sh-port"]`.
    public func names(for scheduler: Scheduler) -> [String] {
        members.map { scheduler.flagNames?[$0] ?? "flag-\(Int($0.rawValue >> 3).trailingZeroBitCount + 1)" }
    }
}
