import LVSModel

extension SyncDaemon.State {
    /// `IP_VS_STATE_MASTER` / `IP_VS_STATE_BACKUP`.
    var kernelNumber: UInt32 { self == .master ? 1 : 2 }
}

extension SyncDaemon {
    /// Puts the `DAEMON` nest of NEW_DAEMON. Optional settings left nil are not sent, so the
    /// kernel applies its defaults.
    func putSpecificationNest(into message: borrowing NetlinkMessage) throws(NetlinkError) {
        try message.nest(CommandAttribute.daemon) { (nest: borrowing NetlinkMessage) throws(NetlinkError) in
            try nest.put(DaemonAttribute.state, u32: state.kernelNumber)
            try nest.put(DaemonAttribute.interface, string: interface)
            try nest.put(DaemonAttribute.syncID, u32: syncID)
            if let maxLength { try nest.put(DaemonAttribute.maxLength, u16: maxLength) }
            if let group {
                try nest.put(group.family == .ipv4 ? DaemonAttribute.group : DaemonAttribute.group6, address: group)
            }
            if let port { try nest.put(DaemonAttribute.port, u16: port) }
            if let ttl { try nest.put(DaemonAttribute.ttl, u8: ttl) }
        }
    }

    /// Reads a daemon nest of a GET_DAEMON reply. The kernel reports its defaults for group,
    /// port and TTL; they read back as nil, which the model defines as those defaults. The
    /// sync message length is kept as reported (the kernel derives it when none was given).
    static func decode(_ nest: Attribute) throws(NetlinkError) -> SyncDaemon {
        let table = try nest.nested()
        let stateNumber = try table.required(DaemonAttribute.state, "sync daemon state").u32
        let state: State
        switch stateNumber {
        case State.master.kernelNumber: state = .master
        case State.backup.kernelNumber: state = .backup
        default: throw .malformedReply("sync daemon state \(stateNumber)")
        }
        var daemon = SyncDaemon(state: state,
                                interface: try table.required(DaemonAttribute.interface, "sync interface").string,
                                syncID: try table.required(DaemonAttribute.syncID, "sync id").u32)
        daemon.maxLength = table[DaemonAttribute.maxLength]?.u16
        if let raw = (table[DaemonAttribute.group6] ?? table[DaemonAttribute.group])?.payload,
           let group = IPAddress(bytes: raw), group != SyncDaemon.defaultGroup {
            daemon.group = group
        }
        if let port = table[DaemonAttribute.port]?.u16, port != SyncDaemon.defaultPort { daemon.port = port }
        if let ttl = table[DaemonAttribute.ttl]?.u8, ttl != 1 { daemon.ttl = ttl }
        return daemon
    }
}
