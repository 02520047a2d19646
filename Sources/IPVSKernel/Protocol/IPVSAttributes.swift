internal import CNetlink
import LVSModel

// The numbers of the IPVS generic-netlink protocol, from <linux/ip_vs.h>, typed for libnl.
// The header's anonymous enums import as `Int`; these give them the widths libnl takes.

enum IPVSCommand {
    static let newService = UInt8(IPVS_CMD_NEW_SERVICE)
    static let setService = UInt8(IPVS_CMD_SET_SERVICE)
    static let deleteService = UInt8(IPVS_CMD_DEL_SERVICE)
    static let getService = UInt8(IPVS_CMD_GET_SERVICE)
    static let newDestination = UInt8(IPVS_CMD_NEW_DEST)
    static let setDestination = UInt8(IPVS_CMD_SET_DEST)
    static let deleteDestination = UInt8(IPVS_CMD_DEL_DEST)
    static let getDestination = UInt8(IPVS_CMD_GET_DEST)
    static let newDaemon = UInt8(IPVS_CMD_NEW_DAEMON)
    static let deleteDaemon = UInt8(IPVS_CMD_DEL_DAEMON)
    static let getDaemon = UInt8(IPVS_CMD_GET_DAEMON)
    static let setConfig = UInt8(IPVS_CMD_SET_CONFIG)
    static let getConfig = UInt8(IPVS_CMD_GET_CONFIG)
    static let getInfo = UInt8(IPVS_CMD_GET_INFO)
    static let zero = UInt8(IPVS_CMD_ZERO)
    static let flush = UInt8(IPVS_CMD_FLUSH)
}

/// Top-level attributes (`IPVS_CMD_ATTR_*`), and those of a GET_INFO reply (`IPVS_INFO_ATTR_*`).
enum CommandAttribute {
    static let service = Int32(IPVS_CMD_ATTR_SERVICE)
    static let destination = Int32(IPVS_CMD_ATTR_DEST)
    static let daemon = Int32(IPVS_CMD_ATTR_DAEMON)
    static let timeoutTCP = Int32(IPVS_CMD_ATTR_TIMEOUT_TCP)
    static let timeoutTCPFin = Int32(IPVS_CMD_ATTR_TIMEOUT_TCP_FIN)
    static let timeoutUDP = Int32(IPVS_CMD_ATTR_TIMEOUT_UDP)
    static let infoVersion = Int32(IPVS_INFO_ATTR_VERSION)
    static let infoConnectionTableSize = Int32(IPVS_INFO_ATTR_CONN_TAB_SIZE)
}

enum ServiceAttribute {
    static let family = Int32(IPVS_SVC_ATTR_AF)
    static let `protocol` = Int32(IPVS_SVC_ATTR_PROTOCOL)
    static let address = Int32(IPVS_SVC_ATTR_ADDR)
    static let port = Int32(IPVS_SVC_ATTR_PORT)
    static let fwmark = Int32(IPVS_SVC_ATTR_FWMARK)
    static let scheduler = Int32(IPVS_SVC_ATTR_SCHED_NAME)
    static let flags = Int32(IPVS_SVC_ATTR_FLAGS)
    static let timeout = Int32(IPVS_SVC_ATTR_TIMEOUT)
    static let netmask = Int32(IPVS_SVC_ATTR_NETMASK)
    static let stats = Int32(IPVS_SVC_ATTR_STATS)
    static let persistenceEngine = Int32(IPVS_SVC_ATTR_PE_NAME)
    static let stats64 = Int32(IPVS_SVC_ATTR_STATS64)
}

enum DestinationAttribute {
    static let address = Int32(IPVS_DEST_ATTR_ADDR)
    static let port = Int32(IPVS_DEST_ATTR_PORT)
    static let forwarding = Int32(IPVS_DEST_ATTR_FWD_METHOD)
    static let weight = Int32(IPVS_DEST_ATTR_WEIGHT)
    static let upperThreshold = Int32(IPVS_DEST_ATTR_U_THRESH)
    static let lowerThreshold = Int32(IPVS_DEST_ATTR_L_THRESH)
    static let activeConnections = Int32(IPVS_DEST_ATTR_ACTIVE_CONNS)
    static let inactiveConnections = Int32(IPVS_DEST_ATTR_INACT_CONNS)
    static let persistentConnections = Int32(IPVS_DEST_ATTR_PERSIST_CONNS)
    static let stats = Int32(IPVS_DEST_ATTR_STATS)
    static let addressFamily = Int32(IPVS_DEST_ATTR_ADDR_FAMILY)
    static let stats64 = Int32(IPVS_DEST_ATTR_STATS64)
    static let tunnelType = Int32(IPVS_DEST_ATTR_TUN_TYPE)
    static let tunnelPort = Int32(IPVS_DEST_ATTR_TUN_PORT)
    static let tunnelFlags = Int32(IPVS_DEST_ATTR_TUN_FLAGS)
}

enum DaemonAttribute {
    static let state = Int32(IPVS_DAEMON_ATTR_STATE)
    static let interface = Int32(IPVS_DAEMON_ATTR_MCAST_IFN)
    static let syncID = Int32(IPVS_DAEMON_ATTR_SYNC_ID)
    static let maxLength = Int32(IPVS_DAEMON_ATTR_SYNC_MAXLEN)
    static let group = Int32(IPVS_DAEMON_ATTR_MCAST_GROUP)
    static let group6 = Int32(IPVS_DAEMON_ATTR_MCAST_GROUP6)
    static let port = Int32(IPVS_DAEMON_ATTR_MCAST_PORT)
    static let ttl = Int32(IPVS_DAEMON_ATTR_MCAST_TTL)
}

enum StatsAttribute {
    static let connections = Int32(IPVS_STATS_ATTR_CONNS)
    static let inPackets = Int32(IPVS_STATS_ATTR_INPKTS)
    static let outPackets = Int32(IPVS_STATS_ATTR_OUTPKTS)
    static let inBytes = Int32(IPVS_STATS_ATTR_INBYTES)
    static let outBytes = Int32(IPVS_STATS_ATTR_OUTBYTES)
    static let connectionsPerSecond = Int32(IPVS_STATS_ATTR_CPS)
    static let inPacketsPerSecond = Int32(IPVS_STATS_ATTR_INPPS)
    static let outPacketsPerSecond = Int32(IPVS_STATS_ATTR_OUTPPS)
    static let inBytesPerSecond = Int32(IPVS_STATS_ATTR_INBPS)
    static let outBytesPerSecond = Int32(IPVS_STATS_ATTR_OUTBPS)
}

/// `IP_VS_SVC_F_*`: service flag bits.
enum ServiceFlag {
    static let persistent = UInt32(IP_VS_SVC_F_PERSISTENT)
    /// Set by the kernel on every hashed service; meaningless to users and masked out on read.
    static let hashed = UInt32(IP_VS_SVC_F_HASHED)
    static let onePacket = UInt32(IP_VS_SVC_F_ONEPACKET)
}

extension AddressFamily {
    /// `AF_INET` / `AF_INET6`, the numbers the kernel puts in AF attributes.
    var kernelNumber: UInt16 { self == .ipv4 ? 2 : 10 }

    init?(kernelNumber: UInt16) {
        switch kernelNumber {
        case 2: self = .ipv4
        case 10: self = .ipv6
        default: return nil
        }
    }
}
