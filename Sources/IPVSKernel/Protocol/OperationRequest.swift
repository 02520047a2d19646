import LVSModel

extension IPVSOperation {
    /// The netlink request that carries the operation out.
    var request: NetlinkRequest {
        switch self {
        case .addService(let service):
            NetlinkRequest(command: IPVSCommand.newService) { (message: borrowing NetlinkMessage) throws(NetlinkError) in
                try service.putSpecificationNest(into: message)
            }
        case .updateService(let service):
            NetlinkRequest(command: IPVSCommand.setService) { (message: borrowing NetlinkMessage) throws(NetlinkError) in
                try service.putSpecificationNest(into: message)
            }
        case .deleteService(let key):
            NetlinkRequest(command: IPVSCommand.deleteService) { (message: borrowing NetlinkMessage) throws(NetlinkError) in
                try key.putIdentityNest(into: message)
            }
        case .addServer(let server, let service):
            NetlinkRequest(command: IPVSCommand.newDestination) { (message: borrowing NetlinkMessage) throws(NetlinkError) in
                try service.putIdentityNest(into: message)
                try server.putSpecificationNest(into: message)
            }
        case .updateServer(let server, let service):
            NetlinkRequest(command: IPVSCommand.setDestination) { (message: borrowing NetlinkMessage) throws(NetlinkError) in
                try service.putIdentityNest(into: message)
                try server.putSpecificationNest(into: message)
            }
        case .deleteServer(let server, let service):
            NetlinkRequest(command: IPVSCommand.deleteDestination) { (message: borrowing NetlinkMessage) throws(NetlinkError) in
                try service.putIdentityNest(into: message)
                try message.nest(CommandAttribute.destination) { (nest: borrowing NetlinkMessage) throws(NetlinkError) in
                    try server.putIdentity(into: nest)
                }
            }
        case .setTimeouts(let timeouts):
            NetlinkRequest(command: IPVSCommand.setConfig) { (message: borrowing NetlinkMessage) throws(NetlinkError) in
                try timeouts.putAttributes(into: message)
            }
        case .startSyncDaemon(let daemon):
            NetlinkRequest(command: IPVSCommand.newDaemon) { (message: borrowing NetlinkMessage) throws(NetlinkError) in
                try daemon.putSpecificationNest(into: message)
            }
        case .stopSyncDaemon(let state):
            NetlinkRequest(command: IPVSCommand.deleteDaemon) { (message: borrowing NetlinkMessage) throws(NetlinkError) in
                try message.nest(CommandAttribute.daemon) { (nest: borrowing NetlinkMessage) throws(NetlinkError) in
                    try nest.put(DaemonAttribute.state, u32: state.kernelNumber)
                }
            }
        case .zeroCounters(let key):
            NetlinkRequest(command: IPVSCommand.zero) { (message: borrowing NetlinkMessage) throws(NetlinkError) in
                try key?.putIdentityNest(into: message)
            }
        }
    }
}
