import LVSModel

extension IPVSAdmParser {
    /// The daemon of a `--start-daemon STATE` line, with ipvsadm's defaults for what it leaves
    /// out (interface eth0, syncid 0; the kernel's for the rest). `words` starts at
    /// `--start-daemon`; options come in any order, each once, with the value in the next word
    /// or after `=`.
    static func syncDaemon(_ words: [IPVSAdmToken]) throws(IPVSAdmLineError) -> SyncDaemon {
        var given: [String: (name: IPVSAdmToken, value: IPVSAdmToken)] = [:]
        var index = 0
        while index < words.count {
            let word = words[index]
            var name = word.text, value: IPVSAdmToken?
            if let equals = name.firstIndex(of: "=") {
                value = word.suffix(from: name.distance(from: name.startIndex, to: equals) + 1)
                name = String(name[..<equals])
            }
            guard daemonOptions.contains(name) else {
                throw IPVSAdmLineError(word, name.hasPrefix("-")
                    ? "unknown sync daemon option '\(name)'\(Suggestion.phrase(for: name, in: daemonOptions)); valid: \(daemonOptions.joined(separator: ", "))"
                    : "unexpected '\(word.text)': a --start-daemon line holds options (like --syncid 10) and their values")
            }
            if given[name] != nil { throw IPVSAdmLineError(word, "\(name) is given twice") }
            if value == nil {
                guard index + 1 < words.count else { throw IPVSAdmLineError(word, "\(name) needs a value") }
                value = words[index + 1]
                index += 1
            }
            given[name] = (word, value!)
            index += 1
        }
        let stateToken = given[IPVSAdmOption.startDaemon]!.value
        guard let state = SyncDaemon.State(rawValue: stateToken.text) else {
            throw IPVSAdmLineError(stateToken, "sync daemon state '\(stateToken.text)' is not valid; use master or backup")
        }
        var daemon = SyncDaemon(state: state, interface: "eth0")
        if let value = given["--mcast-interface"]?.value {
            let name = value.text
            guard DeviceName.isValid(name) else {
                throw IPVSAdmLineError(value, "interface '\(name)' is not a valid Linux interface name; use 1–15 characters without '/' or ':'")
            }
            daemon.interface = name
        }
        if let value = given["--syncid"]?.value { daemon.syncID = try IPVSAdmValue.number(value, "syncid", in: 0...255) }
        if let value = given["--sync-maxlen"]?.value {
            daemon.maxLength = try IPVSAdmValue.number(value, "sync maxlen", in: 1...UInt16.max)
        }
        if let value = given["--mcast-port"]?.value { daemon.port = try IPVSAdmValue.number(value, "sync port", in: 1...UInt16.max) }
        if let value = given["--mcast-ttl"]?.value { daemon.ttl = try IPVSAdmValue.number(value, "sync ttl", in: 1...UInt8.max) }
        if let value = given["--mcast-group"]?.value {
            guard let group = IPAddress(value.text), group.isMulticast else {
                throw IPVSAdmLineError(value, "sync group '\(value.text)' is not a multicast address; use one in 224.0.0.0/4 or ff00::/8")
            }
            daemon.group = group
        }
        return daemon
    }

    private static let daemonOptions = [IPVSAdmOption.startDaemon, "--mcast-interface", "--syncid", "--sync-maxlen",
                                        "--mcast-group", "--mcast-port", "--mcast-ttl"]
}
