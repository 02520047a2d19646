import LVSModel

/// Each write is sent as the request that carries it out.
extension IPVSOperation: NetlinkRequestEncodable {
    var command: UInt8 {
        switch self {
        case .addService: IPVSCommand.newService
        case .updateService: IPVSCommand.setService
        case .deleteService: IPVSCommand.deleteService
        case .addServer: IPVSCommand.newDestination
        case .updateServer: IPVSCommand.setDestination
        case .deleteServer: IPVSCommand.deleteDestination
        case .setTimeouts: IPVSCommand.setConfig
        case .startSyncDaemon: IPVSCommand.newDaemon
        case .stopSyncDaemon: IPVSCommand.deleteDaemon
        case .zeroCounters: IPVSCommand.zero
        }
    }

    var isDump: Bool { false }

    func putAttributes(into message: borrowing NetlinkMessage) throws(NetlinkError) {
        switch self {
        case .addService(let service), .updateService(let service):
            try service.putSpecificationNest(into: message)
        case .deleteService(let key):
            try key.putIdentityNest(into: message)
        case .addServer(let server, let service), .updateServer(let server, let service):
            try service.putIdentityNest(into: message)
            try server.putSpecificationNest(into: message)
        case .deleteServer(let server, let service):
            try service.putIdentityNest(into: message)
            try message.nest(CommandAttribute.destination) { (nest: borrowing NetlinkMessage) throws(NetlinkError) in
                try server.putIdentity(into: nest)
            }
        case .setTimeouts(let timeouts):
            try timeouts.putAttributes(into: message)
        case .startSyncDaemon(let daemon):
            try daemon.putSpecificationNest(into: message)
        case .stopSyncDaemon(let state):
            try message.nest(CommandAttribute.daemon) { (nest: borrowing NetlinkMessage) throws(NetlinkError) in
                try nest.put(DaemonAttribute.state, u32: state.kernelNumber)
            }
        case .zeroCounters(let key):
            try key?.putIdentityNest(into: message)
        }
    }
}
