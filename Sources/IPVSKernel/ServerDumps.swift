internal import Glibc
import LVSModel

/// A server as a GET_DEST dump reports it, with its statistics.
typealias DumpedServer = (server: RealServer, statistics: ServerStatistics)

/// Reads the servers of many services: one GET_DEST dump per service, since the kernel has no
/// dump of all servers.
///
/// A socket runs one dump at a time, so on one socket the dumps go strictly one after another,
/// each a `sendmsg` and two receives. A large table is therefore split into contiguous shares,
/// each dumped on its own socket by its own thread, so that system calls, copying and decoding
/// run on every CPU (the kernel serialises only the IPVS part of each dump, under its locks).
/// With two CPUs this took a 16,000-service read from 3.1 s to 2.4 s.
///
/// The sockets receive small datagrams (`ReceiveBuffer.small`), which the kernel makes more
/// cheaply than the large ones the service dump wants; hence sockets of their own even when the
/// table is too small to share out.
enum ServerDumps {
    /// The fewest services worth a share of their own: below that, another socket and thread
    /// would cost more than they save.
    static let minimumShare = 256
    /// Shares per CPU: more shares than threads balance the load when a CPU is busy elsewhere.
    static let sharesPerCPU = 4

    /// The servers of each service of `services`, in the same order, or the first failure.
    static func read(_ services: [ServiceKey], family: Int32) -> Result<[[DumpedServer]], NetlinkError> {
        guard !services.isEmpty else { return .success([]) }
        let cpus = max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        let shareCount = max(1, min(cpus * sharesPerCPU, services.count / minimumShare))
        // Each share opens, uses and closes its own socket on its own thread.
        let shares = concurrentMap(shareCount) { share in
            let range = (services.count * share / shareCount)..<(services.count * (share + 1) / shareCount)
            do throws(NetlinkError) {
                return dump(services[range], family: family, on: try NetlinkSocket(receiveSize: ReceiveBuffer.small))
            } catch {
                return .failure(error)
            }
        }
        var servers: [[DumpedServer]] = []
        servers.reserveCapacity(services.count)
        for share in shares {
            switch share {
            case .success(let part): servers.append(contentsOf: part)
            case .failure(let error): return .failure(error)
            }
        }
        return .success(servers)
    }

    /// Dumps the servers of `services` one service after another on `socket`.
    private static func dump(_ services: ArraySlice<ServiceKey>, family: Int32,
                             on socket: NetlinkSocket) -> Result<[[DumpedServer]], NetlinkError> {
        var servers = [[DumpedServer]](repeating: [], count: services.count)
        let requests = services.map { key in
            NetlinkRequest(command: IPVSCommand.getDestination, isDump: true) { (message: borrowing NetlinkMessage) throws(NetlinkError) in
                try key.putIdentityNest(into: message)
            }
        }
        let results = socket.exchange(family: family, requests) { (index, reply) throws(NetlinkError) in
            let nest = try reply.attributes.required(CommandAttribute.destination, "server")
            servers[index].append(try RealServer.decode(nest, serviceFamily: services[services.startIndex + index].family))
        }
        for case .failure(let error)? in results { return .failure(error) }
        return .success(servers)
    }
}
