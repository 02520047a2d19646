public import LVSModel

/// What one real server needs for the services it backs, before it is compared with the host:
/// the same for every host, so that it can be planned against a snapshot or printed whole.
public struct RealServerSetup: Hashable, Sendable {
    public enum Setting: Hashable, Sendable {
        case device(name: String, kind: String)
        case linkUp(String)
        case address(IPAddress, prefixLength: Int, device: String)
        case sysctl(key: String, value: String)
        case guePort(UInt16)
        case defaultRoute(via: IPAddress)

        /// Devices exist before their addresses and sysctls; the route comes last.
        var rank: Int {
            switch self {
            case .device: 0
            case .linkUp: 1
            case .address: 2
            case .sysctl: 3
            case .guePort: 4
            case .defaultRoute: 5
            }
        }

        /// What two requirements must not both set: one value per sysctl, one default route
        /// per family.
        var identity: String {
            switch self {
            case .device(let name, _): "device \(name)"
            case .linkUp(let name): "up \(name)"
            case .address(let address, _, let device): "address \(address) \(device)"
            case .sysctl(let key, _): "sysctl \(key)"
            case .guePort(let port): "gue \(port)"
            case .defaultRoute(let gateway): "route \(gateway.family)"
            }
        }
    }

    /// A setting, the service that first needed it, and why.
    public struct Requirement: Hashable, Sendable {
        public var setting: Setting
        public var service: ServiceKey
        public var name: String?
        public var reason: String
    }

    /// In the order they were first needed; one per setting.
    public private(set) var requirements: [Requirement] = []
    /// What the config leaves lvsctl unable to set up, for people to do by hand.
    public var warnings: [String] = []

    public init() {}

    /// Adds a requirement unless an earlier one already sets the same thing.
    mutating func require(_ setting: Setting, for service: ServiceKey, name: String?, reason: String) {
        guard !requirements.contains(where: { $0.setting.identity == setting.identity }) else { return }
        requirements.append(Requirement(setting: setting, service: service, name: name, reason: reason))
    }

    /// The sysctls a host snapshot must read for `plan(against:)`.
    public var sysctlKeys: [String] {
        requirements.compactMap { if case .sysctl(let key, _) = $0.setting { key } else { nil } }
    }

    /// The changes that bring `host` to this setup; only additions, nothing is ever removed.
    /// Against an empty snapshot, every setting.
    public func plan(against host: HostSnapshot) -> Plan {
        let ordered = requirements.enumerated().sorted { ($0.element.setting.rank, $0.offset) < ($1.element.setting.rank, $1.offset) }
        let changes = ordered.compactMap { _, requirement -> Change? in
            let reason = requirement.reason
            var change: Change? = switch requirement.setting {
            case .device(let name, let kind): HostChanges.device(name, kind: kind, in: host, reason: reason)
            case .linkUp(let name): HostChanges.linkUp(name, in: host, reason: reason)
            case .address(let address, let length, let device):
                HostChanges.address(address, length: length, on: device, in: host, reason: reason)
            case .sysctl(let key, let value): HostChanges.sysctl(key, value, in: host, reason: reason)
            case .guePort(let port): HostChanges.guePort(port, in: host, reason: reason)
            case .defaultRoute(let gateway): HostChanges.defaultRoute(via: gateway, in: host, reason: reason)
            }
            change?.service = requirement.service
            change?.name = requirement.name
            return change
        }
        return Plan(changes: changes, notManaged: [], scope: .all, basis: IPVSTable())
    }
}
