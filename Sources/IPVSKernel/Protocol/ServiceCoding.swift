import LVSModel

extension ServiceKey {
    /// Puts the identity: AF plus FWMARK, or AF plus protocol, address and port (network order).
    func putIdentity(into message: borrowing NetlinkMessage) throws(NetlinkError) {
        try message.put(ServiceAttribute.family, u16: family.kernelNumber)
        switch self {
        case .fwmark(let mark, _):
            try message.put(ServiceAttribute.fwmark, u32: mark)
        case .address(let proto, let address, let port):
            try message.put(ServiceAttribute.protocol, u16: proto.number)
            try message.put(ServiceAttribute.address, address: address)
            try message.put(ServiceAttribute.port, u16: port.bigEndian)
        }
    }

    /// Puts a `SERVICE` nest holding only the identity (dest commands, delete, zero, dest dump).
    func putIdentityNest(into message: borrowing NetlinkMessage) throws(NetlinkError) {
        try message.nest(CommandAttribute.service) { (nest: borrowing NetlinkMessage) throws(NetlinkError) in
            try putIdentity(into: nest)
        }
    }
}

extension VirtualService {
    /// The flag word the kernel stores: persistence, one-packet and the scheduler bits.
    var kernelFlags: UInt32 {
        var flags = schedulerFlags.rawValue
        if persistence != nil { flags |= ServiceFlag.persistent }
        if onePacket { flags |= ServiceFlag.onePacket }
        return flags
    }

    /// Puts the full `SERVICE` nest NEW/SET_SERVICE need. A service that is not persistent gets
    /// timeout 0 and the full netmask (IPv6 needs 1–128 even then). `PE_NAME` is sent whenever
    /// an engine is set, because its absence on SET removes the engine.
    func putSpecificationNest(into message: borrowing NetlinkMessage) throws(NetlinkError) {
        try message.nest(CommandAttribute.service) { (nest: borrowing NetlinkMessage) throws(NetlinkError) in
            try key.putIdentity(into: nest)
            try nest.put(ServiceAttribute.scheduler, string: scheduler.rawValue)
            if let engine = persistence?.engine {
                try nest.put(ServiceAttribute.persistenceEngine, string: engine)
            }
            let flags = kernelFlags
            try withUnsafeBytes(of: (flags, UInt32.max)) { (bytes) throws(NetlinkError) in
                try nest.put(ServiceAttribute.flags, bytes: bytes)
            }
            try nest.put(ServiceAttribute.timeout, u32: persistence?.timeout ?? 0)
            let prefix = persistence?.netmaskLength ?? key.family.bitWidth
            try nest.put(ServiceAttribute.netmask, u32: Netmask.attributeValue(prefixLength: prefix, family: key.family))
        }
    }

    /// Reads a service nest of a GET_SERVICE reply (without servers); its counters are
    /// `Counters(in:stats64:stats:)` of the same table.
    static func decode(_ table: AttributeTable) throws(NetlinkError) -> VirtualService {
        let familyNumber = try table.required(ServiceAttribute.family, "service address family").u16
        guard let family = AddressFamily(kernelNumber: familyNumber) else {
            throw .malformedReply("service address family \(familyNumber)")
        }
        let key: ServiceKey
        if let mark = table[ServiceAttribute.fwmark]?.u32, mark != 0 {
            key = .fwmark(mark, family)
        } else {
            let number = try table.required(ServiceAttribute.protocol, "service protocol").u16
            guard let proto = IPProtocol(number: number) else { throw .malformedReply("service protocol \(number)") }
            let raw = try table.required(ServiceAttribute.address, "service address")
            guard let address = raw.address(family) else { throw .malformedReply("service address of \(raw.payload.count) bytes") }
            let port = UInt16(bigEndian: try table.required(ServiceAttribute.port, "service port").u16)
            key = .address(proto, address, port: port)
        }
        let scheduler = Scheduler(rawValue: try table.required(ServiceAttribute.scheduler, "scheduler").string)
        let flagWords = try table.required(ServiceAttribute.flags, "service flags").payload
        guard flagWords.count >= 8 else { throw .malformedReply("service flags of \(flagWords.count) bytes") }
        let set = flagWords.loadUnaligned(fromByteOffset: 0, as: UInt32.self)
        let mask = flagWords.loadUnaligned(fromByteOffset: 4, as: UInt32.self)
        let flags = set & mask & ~ServiceFlag.hashed
        var persistence: Persistence?
        if flags & ServiceFlag.persistent != 0 {
            let timeout = try table.required(ServiceAttribute.timeout, "persistence timeout").u32
            let netmask = try table.required(ServiceAttribute.netmask, "persistence netmask").u32
            persistence = Persistence(timeout: timeout,
                                      netmaskLength: Netmask.prefixLength(attributeValue: netmask, family: family),
                                      engine: table[ServiceAttribute.persistenceEngine]?.string)
        }
        return VirtualService(key: key, scheduler: scheduler, schedulerFlags: SchedulerFlags(rawValue: flags),
                              onePacket: flags & ServiceFlag.onePacket != 0, persistence: persistence)
    }
}
