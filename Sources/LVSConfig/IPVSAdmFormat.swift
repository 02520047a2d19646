public import LVSModel

/// ipvsadm's text forms of the table: the `ipvsadm -S -n` save format (read and written) and
/// the command lines that carry out single operations. They let lvsctl plan against a saved
/// snapshot without a kernel, import an existing director, and show a plan as the ipvsadm
/// commands an operator already knows.
public enum IPVSAdmFormat {
    /// Reads `ipvsadm -S -n` output, and the `-A`, `-a`, `-C`, `--set` and `--start-daemon`
    /// lines `ipvsadm -R` accepts, in any of ipvsadm's spellings, with comments, blank lines, a
    /// leading `ipvsadm` and port names; or an `ipvsadm -L -n` listing (told apart by its first
    /// words), with a warning naming what the listing could not show. Every bad line gets a
    /// diagnostic at the offending word; the table is returned only when there is no error.
    /// Timeouts and sync daemons are set only as far as `--set` and `--start-daemon` lines (or a
    /// listing's `Timeout` line) set them: otherwise they stay nil (not managed).
    public static func parse(_ text: String, file: String) -> IPVSAdmParseResult {
        let lines = IPVSAdmToken.lines(of: text)
        let table: IPVSTable, diagnostics: [Diagnostic]
        if IPVSAdmListingParser.isListing(lines) {
            var parser = IPVSAdmListingParser(file: file)
            parser.read(lines)
            (table, diagnostics) = (parser.table, parser.diagnostics)
        } else {
            var parser = IPVSAdmParser(file: file)
            parser.read(lines)
            (table, diagnostics) = (parser.table, parser.diagnostics)
        }
        let valid = !diagnostics.contains { $0.severity == .error }
        return IPVSAdmParseResult(table: valid ? table : nil, diagnostics: diagnostics)
    }

    /// The table as ipvsadm 1.31's `-S -n` writes it: services in ipvsadm's order (address
    /// services by family, protocol, address and port, then fwmark services by mark and
    /// family; `ServiceKey`'s order), each followed by its servers by address and port.
    ///
    /// Two divergences, both read back by `ipvsadm -R`: thresholds, which ipvsadm does not
    /// save, are appended as `-x N -y N` when either is set, so a save loses nothing that
    /// `parse` can hold; and fwmarks print unsigned, as ipvsadm does after its `%u` fix.
    /// ipvsadm's own comparator subtracts unsigned values into an `int`, so for marks or
    /// IPv4 addresses more than 2^31 apart its order is not numeric; this order is.
    /// Local forwarding saves as `-g`, as in ipvsadm, and so reads back as direct routing;
    /// weights above 65535, which only netlink can set, are written but, as with `-R`, not read back.
    public static func save(_ table: IPVSTable) -> String {
        var text = ""
        for service in table.services {
            text += command(.addService(service)).joined(separator: " ") + "\n"
            for server in service.servers {
                text += command(.addServer(server, service: service.key)).joined(separator: " ") + "\n"
            }
        }
        return text
    }
}

/// What reading ipvsadm text produced: the table when the text is valid, and every
/// diagnostic found (warnings too, such as a direct-routing port ipvsadm would ignore).
public struct IPVSAdmParseResult: Sendable {
    public var table: IPVSTable?
    public var diagnostics: [Diagnostic]

    public var errors: [Diagnostic] { diagnostics.filter { $0.severity == .error } }
}
