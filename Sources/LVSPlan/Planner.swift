public import LVSModel

/// Computes the smallest set of kernel writes that turns the live table into the desired one.
/// Pure: no I/O, so it is tested against in-memory tables and runs offline against snapshots.
public enum Planner {
    /// Edits in place whatever the kernel can edit, replaces only what changes identity, and never
    /// touches services outside `desired.scope`. Timeouts and sync daemons are planned only when
    /// the file declares them and the live side knows them (an `ipvsadm -S` snapshot does not).
    /// The table's plan with the director's setup around it: what services need (VIPs, marks,
    /// forwarding) comes before the table changes, what only removed services used after them.
    /// With no host snapshot (a plan against a saved table), the host is not planned.
    public static func plan(desired: DesiredState, live: IPVSTable, host: HostSnapshot?) -> Plan {
        guard let host else { return plan(desired: desired, live: live) }
        let hostChanges = DirectorPlanner.changes(desired, host: host)
        var plan = plan(desired: desired, live: live, after: hostChanges.filter { $0.stage == .beforeTable })
        plan.changes.append(contentsOf: hostChanges.filter { $0.stage == .afterTable })
        return plan
    }

    public static func plan(desired: DesiredState, live: IPVSTable) -> Plan {
        plan(desired: desired, live: live, after: [])
    }

    /// The table's plan, following `earlier`: a large plan is built in one array, not moved.
    private static func plan(desired: DesiredState, live: IPVSTable, after earlier: [Change]) -> Plan {
        let scope = desired.scope
        let managed = scope == .all ? live.services : live.services.filter { scope.contains($0.key) }
        var basis = IPVSTable(services: managed)
        var changes = earlier

        if let wanted = desired.table.timeouts, let current = live.timeouts {
            basis.timeouts = current
            changes += timeoutChanges(wanted, current)
        }
        var syncStarts: [Change] = []
        if let wanted = desired.table.syncDaemons, let current = live.syncDaemons {
            basis.syncDaemons = current
            let (stops, starts) = syncChanges(wanted, current)
            changes += stops
            syncStarts = starts
        }
        serviceChanges(desired: desired.table.services, live: managed, names: desired.names, into: &changes)
        if !desired.serverNotes.isEmpty { explain(&changes, with: desired.serverNotes) }
        if !desired.quiescedWeights.isEmpty { keepSlots(&changes, weights: desired.quiescedWeights) }
        changes += syncStarts
        return Plan(changes: changes, notManaged: live.services.map(\.key).filter { !scope.contains($0) },
                    scope: scope, basis: basis)
    }

    // MARK: Services

    private static func serviceChanges(desired: [VirtualService], live: [VirtualService],
                                       names: [ServiceKey: String], into changes: inout [Change]) {
        let joined = join(desired, live)
        // Room for a plan that creates everything: growing an array of 80,000 changes step by
        // step copied it over and over.
        changes.reserveCapacity(changes.count + desired.reduce(desired.count) { $0 + $1.servers.count })
        let deleted = Dictionary(joined.compactMap { $0.desired == nil ? $0.live.map { (live[$0].key, $0) } : nil },
                                 uniquingKeysWith: { first, _ in first })
        let created = joined.compactMap { $0.live == nil ? $0.desired.map { desired[$0].key } : nil }
        let replaced = pairs(created, Array(deleted.keys), by: identitySlot)
        let replacedOld = Set(replaced.values)
        for entry in joined {
            switch (entry.desired, entry.live) {
            case let (wanted?, current?):
                update(desired[wanted], from: live[current], names: names, into: &changes)
            case let (wanted?, nil):
                let key = desired[wanted].key
                if let oldKey = replaced[key], let old = deleted[oldKey] {
                    replace(live[old], with: desired[wanted], name: names[key], into: &changes)
                } else {
                    create(desired[wanted], name: names[key], into: &changes)
                }
            case let (nil, current?) where !replacedOld.contains(live[current].key):
                delete(live[current], into: &changes)
            default:
                break
            }
        }
    }

    /// The services of both sides in key order, those with the same key side by side: a merge
    /// of the two sorted lists, which is what orders the plan, and which needs no hash table for
    /// the tens of thousands of services a large table keeps unchanged. A repeated key keeps
    /// its first service.
    private static func join(_ desired: [VirtualService], _ live: [VirtualService]) -> [(desired: Int?, live: Int?)] {
        func order(_ services: [VirtualService]) -> [Int] {
            var kept: [Int] = []
            for index in services.indices.sorted(by: { services[$0].key < services[$1].key })
                where kept.last.map({ services[$0].key != services[index].key }) ?? true {
                kept.append(index)
            }
            return kept
        }
        let wanted = order(desired), current = order(live)
        var joined: [(desired: Int?, live: Int?)] = []
        joined.reserveCapacity(max(wanted.count, current.count))
        var w = 0, c = 0
        while w < wanted.count || c < current.count {
            if c == current.count || w < wanted.count && desired[wanted[w]].key < live[current[c]].key {
                joined.append((wanted[w], nil))
                w += 1
            } else if w == wanted.count || live[current[c]].key < desired[wanted[w]].key {
                joined.append((nil, current[c]))
                c += 1
            } else {
                joined.append((wanted[w], current[c]))
                w += 1
                c += 1
            }
        }
        return joined
    }

    // Each appends its changes to the plan's list: the plan of a large table is built in
    // place instead of from one small array per service.

    private static func create(_ service: VirtualService, name: String?, into changes: inout [Change]) {
        changes.append(Change(.create, .service, service: service.key, name: name, after: Attributes.of(service),
                              reason: "not in the kernel", operations: [.addService(service.withoutServers)]))
        for server in service.servers { changes.append(serverCreate(server, in: service.key, name: name)) }
    }

    private static func delete(_ service: VirtualService, into changes: inout [Change]) {
        for server in service.servers {
            changes.append(Change(.delete, .server, service: service.key, server: server.key, before: Attributes.of(server),
                                  reason: "its service is not in the config",
                                  operations: [.deleteServer(server.key, service: service.key)]))
        }
        changes.append(Change(.delete, .service, service: service.key, before: Attributes.of(service),
                              reason: "not in the config", operations: [.deleteService(service.key)]))
    }

    private static func replace(_ old: VirtualService, with new: VirtualService, name: String?, into changes: inout [Change]) {
        changes.append(Change(.replace, .service, service: new.key, name: name, before: Attributes.of(old),
                              after: Attributes.of(new),
                              reason: "\(identityDifference(old.key, new.key)) changes the service's identity, which the kernel cannot edit (was \(old.key))",
                              operations: [.deleteService(old.key), .addService(new.withoutServers)]))
        for server in new.servers { changes.append(serverCreate(server, in: new.key, name: name)) }
    }

    /// Looks the service's name up only when it has changes: most services of a large table have none.
    private static func update(_ wanted: VirtualService, from current: VirtualService, names: [ServiceKey: String],
                               into changes: inout [Change]) {
        let settingsChanged = !wanted.hasSameSettings(as: current)
        guard settingsChanged || !sameServers(wanted, current) || needsOrder(wanted, current) else { return }
        let name = names[wanted.key]
        if settingsChanged {
            let before = Attributes.of(current), after = Attributes.of(wanted)
            changes.append(Change(.update, .service, service: wanted.key, name: name, before: before, after: after,
                                  reason: reason(before, after), operations: [.updateService(wanted.withoutServers)]))
        }
        serverChanges(wanted, current, name: name, into: &changes)
    }

    // MARK: Servers

    private static func serverChanges(_ wanted: VirtualService, _ current: VirtualService, name: String?,
                                      into changes: inout [Change]) {
        if sameServers(wanted, current) && !needsOrder(wanted, current) { return }
        let key = wanted.key
        let readded = wanted.scheduler == .mh ? outOfOrder(wanted, current) : []
        let liveByKey = Dictionary(current.servers.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        let wantedKeys = Set(wanted.servers.map(\.key))
        let created = wanted.servers.filter { liveByKey[$0.key] == nil }
        let deleted = liveByKey.values.filter { !wantedKeys.contains($0.key) }
        let replaced = pairs(created.map(\.key), deleted.map(\.key), by: \.address)
        let replacedOld = Set(replaced.values)
        let wantedByKey = Dictionary(wanted.servers.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })

        for serverKey in (wanted.servers.map(\.key) + deleted.map(\.key).filter { !replacedOld.contains($0) }).sorted() {
            switch (wantedByKey[serverKey], liveByKey[serverKey]) {
            case let (new?, old?) where readded.contains(serverKey):
                changes.append(Change(.replace, .server, service: key, name: name, server: serverKey,
                                      before: Attributes.of(old), after: Attributes.of(new),
                                      reason: "added again so that the kernel lists the mh service's servers in the one order every director uses (ascending by address and port): mh fills its lookup table in list order",
                                      operations: [.deleteServer(serverKey, service: key), .addServer(new, service: key)]))
            case let (new?, old?) where new != old:
                let before = Attributes.of(old), after = Attributes.of(new)
                changes.append(Change(.update, .server, service: key, name: name, server: serverKey, before: before,
                                      after: after, reason: reason(before, after),
                                      operations: [.updateServer(new, service: key)]))
            case let (new?, nil):
                if let oldKey = replaced[serverKey], let old = liveByKey[oldKey] {
                    changes.append(Change(.replace, .server, service: key, name: name, server: serverKey,
                                          before: Attributes.of(old), after: Attributes.of(new),
                                          reason: "port \(old.port) → \(new.port) changes the server's identity, which the kernel cannot edit",
                                          operations: [.deleteServer(oldKey, service: key), .addServer(new, service: key)]))
                } else {
                    changes.append(serverCreate(new, in: key, name: name))
                }
            case let (nil, old?):
                changes.append(Change(.delete, .server, service: key, name: name, server: serverKey,
                                      before: Attributes.of(old), reason: "not in the config",
                                      operations: [.deleteServer(serverKey, service: key)]))
            default:
                break
            }
        }
    }

    /// An `mh` server added while quiesced gets no lookup-table slots (the kernel counts a
    /// server's slots from the weight it was added or last edited to above 0): it is added at its
    /// file's weight and set to 0 in the same apply, so that it holds the slots it holds on a
    /// director that quiesced it in place, and every director picks the same server for a flow.
    private static func keepSlots(_ changes: inout [Change], weights: [ServiceKey: [ServerKey: UInt32]]) {
        for index in changes.indices where changes[index].object == .server && changes[index].action == .create {
            guard let service = changes[index].service, let key = changes[index].server, let weight = weights[service]?[key],
                  case .addServer(let server, _) = changes[index].operations.first, server.weight == 0 else { continue }
            var slotted = server
            slotted.weight = weight
            changes[index].operations = [.addServer(slotted, service: service), .updateServer(server, service: service)]
            changes[index].reason += "; added at weight \(weight), then quiesced, to keep its mh slots"
        }
    }

    /// Gives a server change the reason the effective state has for it (its health, an
    /// override): a deletion says that instead of "not in the config", others say it first.
    private static func explain(_ changes: inout [Change], with notes: [ServiceKey: [ServerKey: String]]) {
        for index in changes.indices where changes[index].object == .server {
            guard let service = changes[index].service, let server = changes[index].server,
                  let note = notes[service]?[server] else { continue }
            changes[index].reason = changes[index].action == .delete ? note : "\(note): \(changes[index].reason)"
        }
    }

    /// Whether an `mh` service's servers stand in the kernel's list in another order than the
    /// canonical one: the kernel reader records the order only then.
    private static func needsOrder(_ wanted: VirtualService, _ current: VirtualService) -> Bool {
        wanted.scheduler == .mh && current.kernelOrder != nil
    }

    /// The live servers of an `mh` service to delete and add again so that the kernel's list
    /// ends in the canonical order, in which a fresh director holds them: every server added in
    /// ascending order of address and port. The kernel puts a server it adds at the head of the
    /// list and never moves one, so the servers that stay are the longest run of the wanted
    /// ones, from the lowest, that the kernel already holds in that order; every live server
    /// after it is added again, in order, after the new ones before it. (`ip_vs_mh.c` walks the
    /// list to fill its lookup table: who wins a contested slot depends on the order.)
    private static func outOfOrder(_ wanted: VirtualService, _ current: VirtualService) -> Set<ServerKey> {
        var position: [ServerKey: Int] = [:]
        for (index, key) in current.additionOrder.enumerated() { position[key] = index }
        var last = -1
        for (index, server) in wanted.servers.enumerated() {
            guard let at = position[server.key], at > last else {
                return Set(wanted.servers[index...].lazy.map(\.key).filter { position[$0] != nil })
            }
            last = at
        }
        return []
    }

    /// Most services of a large table are unchanged (always, in the check after an apply): the
    /// same servers need no look-up tables.
    private static func sameServers(_ wanted: VirtualService, _ current: VirtualService) -> Bool {
        wanted.servers.count == current.servers.count && wanted.servers == current.servers
    }

    private static func serverCreate(_ server: RealServer, in key: ServiceKey, name: String?) -> Change {
        Change(.create, .server, service: key, name: name, server: server.key, after: Attributes.of(server),
               reason: "not in the kernel", operations: [.addServer(server, service: key)])
    }

    // MARK: Timeouts and sync

    private static func timeoutChanges(_ wanted: Timeouts, _ current: Timeouts) -> [Change] {
        let differs = [(wanted.tcp, current.tcp), (wanted.tcpFin, current.tcpFin), (wanted.udp, current.udp)]
            .contains { want, have in want != nil && want != have }
        guard differs else { return [] }
        let shown = Timeouts(tcp: wanted.tcp.flatMap { _ in current.tcp }, tcpFin: wanted.tcpFin.flatMap { _ in current.tcpFin },
                             udp: wanted.udp.flatMap { _ in current.udp })
        let before = Attributes.of(shown), after = Attributes.of(wanted)
        return [Change(.update, .timeouts, before: before, after: after, reason: reason(before, after),
                       operations: [.setTimeouts(wanted)])]
    }

    /// Sync daemons cannot be edited: a changed one is stopped and started again. Stops come
    /// first in the plan, starts last.
    private static func syncChanges(_ wanted: [SyncDaemon], _ current: [SyncDaemon]) -> (stops: [Change], starts: [Change]) {
        var stops: [Change] = [], starts: [Change] = []
        for state in SyncDaemon.State.allCases {
            let want = wanted.first { $0.state == state }, have = current.first { $0.state == state }
            switch (want, have) {
            case let (want?, have?) where !satisfies(have, want):
                starts.append(Change(.replace, .sync, before: Attributes.of(have), after: Attributes.of(want),
                                     reason: reason(Attributes.of(have), Attributes.of(want)) + "; a sync daemon cannot be edited, so it restarts",
                                     operations: [.stopSyncDaemon(state), .startSyncDaemon(want)]))
            case let (want?, nil):
                starts.append(Change(.create, .sync, after: Attributes.of(want), reason: "not running",
                                     operations: [.startSyncDaemon(want)]))
            case let (nil, have?):
                stops.append(Change(.delete, .sync, before: Attributes.of(have), reason: "not in the config",
                                    operations: [.stopSyncDaemon(state)]))
            default:
                break
            }
        }
        return (stops, starts)
    }

    /// A running daemon satisfies the declared one when every declared field matches; fields
    /// left out of the file take whatever the kernel chose.
    private static func satisfies(_ have: SyncDaemon, _ want: SyncDaemon) -> Bool {
        have.state == want.state && have.interface == want.interface && have.syncID == want.syncID
            && (want.maxLength == nil || want.maxLength == have.maxLength)
            && (want.group == nil || want.group == have.group)
            && (want.port == nil || want.port == have.port)
            && (want.ttl == nil || want.ttl == have.ttl)
    }

    // MARK: Helpers

    /// Pairs each new key with the one old key that shares its slot, where exactly one of each
    /// does: those are replacements rather than unrelated creates and deletes.
    private static func pairs<Key: Hashable, Slot: Hashable>(_ new: [Key], _ old: [Key], by slot: (Key) -> Slot) -> [Key: Key] {
        let newBySlot = Dictionary(grouping: new, by: slot), oldBySlot = Dictionary(grouping: old, by: slot)
        var result: [Key: Key] = [:]
        for (slot, newKeys) in newBySlot {
            if newKeys.count == 1, let oldKeys = oldBySlot[slot], oldKeys.count == 1 { result[newKeys[0]] = oldKeys[0] }
        }
        return result
    }

    private struct Slot: Hashable {
        var proto: IPProtocol?
        var address: IPAddress?
        var mark: UInt32?
    }

    /// Address services on the same protocol and VIP, or fwmark services with the same mark:
    /// a changed port or family is a replacement of that service.
    private static func identitySlot(_ key: ServiceKey) -> Slot {
        switch key {
        case .address(let proto, let address, _): Slot(proto: proto, address: address)
        case .fwmark(let mark, _): Slot(mark: mark)
        }
    }

    private static func identityDifference(_ old: ServiceKey, _ new: ServiceKey) -> String {
        switch (old, new) {
        case let (.address(_, _, oldPort), .address(_, _, newPort)): "port \(oldPort) → \(newPort)"
        default: "family \(old.family) → \(new.family)"
        }
    }

    private static func reason(_ before: [Attribute], _ after: [Attribute]) -> String {
        Change.differences(before: before, after: after).map { "\($0.name) \($0.transition)" }.joined(separator: ", ")
    }
}
