import Foundation
import Testing

/// The command line on the host, without a kernel: what CI runs against snapshots.
@Suite("lvsctl commands")
struct CommandTests {
    @Test("validate exits 0 on every example", arguments: exampleNames)
    func validateExamples(_ name: String) throws {
        let result = try lvsctl("validate", "-f", example(name))
        #expect(result.status == 0, "\(result.error)")
    }

    @Test("validate exits 1 and names FILE:LINE:COLUMN, as text and as JSON")
    func validateInvalid() throws {
        let file = try temporaryFile("bad.yaml", "version: 1\nservices:\n  - { vip: 198.51.100.1, port: 80, scheduler: wrrr }\n")
        let text = try lvsctl("validate", "-f", file)
        #expect(text.status == 1)
        #expect(text.error.contains("\(file):3:47: error: unknown scheduler 'wrrr' (did you mean 'wrr'?)"))
        let json = try lvsctl("validate", "-f", file, "--output", "json")
        #expect(json.status == 1)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [String: Any])
        #expect(report["valid"] as? Bool == false)
        #expect(report["format"] as? String == "lvsctl-validation/1")
        let first = try #require((report["diagnostics"] as? [[String: Any]])?.first)
        #expect(first["line"] as? Int == 3 && first["column"] as? Int == 47)
    }

    @Test("plan against an ipvsadm snapshot: JSON summary and detailed exit codes")
    func offlinePlan() throws {
        let snapshot = try temporaryFile("live.txt", """
            -A -t 198.51.100.10:80 -s rr
            -a -t 198.51.100.10:80 -r 203.0.113.11:8080 -m -w 1
            -a -t 198.51.100.10:80 -r 203.0.113.99:8080 -m -w 1
            -A -t 203.0.113.250:80 -s rr

            """)
        let result = try lvsctl("plan", "-f", example("nat-web-farm"), "--live", snapshot, "--output", "json", "--detailed-exitcode")
        #expect(result.status == 2, "\(result.error)")
        let plan = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
        let summary = try #require(plan["summary"] as? [String: Int])
        #expect(summary == ["create": 6, "update": 1, "delete": 2, "replace": 0])
        let changes = try #require(plan["changes"] as? [[String: Any]])
        #expect(changes.first?["action"] as? String == "update")
        #expect((changes.first?["before"] as? [String: String])?["scheduler"] == "rr")
        #expect((changes.first?["after"] as? [String: String])?["scheduler"] == "wlc")
        #expect(changes.contains {
            let server = $0["server"] as? [String: Any]
            return server?["address"] as? String == "203.0.113.99" && server?["port"] as? Int == 8080 && $0["action"] as? String == "delete"
        })

        let same = try temporaryFile("same.txt", try expectedTable("nat-web-farm"))
        #expect(try lvsctl("plan", "-f", example("nat-web-farm"), "--live", same, "--detailed-exitcode").status == 0)
        #expect(try lvsctl("plan", "-f", "/nonexistent.yaml", "--live", same, "--detailed-exitcode").status == 1)
    }

    @Test("plan and apply of an invalid config report the config, though the kernel is read meanwhile")
    func configErrorsComeFirst() throws {
        let file = try temporaryFile("bad.yaml", "version: 1\nservices:\n  - { vip: 198.51.100.1, port: 80, scheduler: wrrr }\n")
        let lock = try temporaryFile("lvsctl.lock", "")
        for result in [try lvsctl("plan", "-f", file), try lvsctl("apply", "-f", file, "--yes", "--lock-file", lock)] {
            #expect(result.status == 1)
            #expect(result.error.contains("\(file):3:47: error: unknown scheduler 'wrrr'"))
            #expect(!result.error.contains("IPVS"), "\(result.error)")
        }
    }

    @Test("a mass deletion is flagged in plan output")
    func massDeletionWarning() throws {
        let empty = try temporaryFile("empty.yaml", "version: 1\nservices: []\n")
        let live = try temporaryFile("live.txt", try expectedTable("nat-web-farm"))
        let result = try lvsctl("plan", "-f", empty, "--live", live)
        #expect(result.status == 0)
        #expect(result.error.contains("apply will refuse this plan: refusing a plan that deletes all 2 managed services"))
        #expect(result.output.contains("Plan: 0 to add, 0 to change, 8 to destroy."))
    }

    @Test("import turns a restore file (ipvsadm -Sn output, --set, --start-daemon) into a config that reproduces it",
          arguments: exampleNames)
    func importReproduces(_ name: String) throws {
        let saved = try temporaryFile("\(name).txt", try expectedTable(name))
        let imported = try lvsctl("import", saved)
        #expect(imported.status == 0, "\(imported.error)")
        let config = try temporaryFile("\(name).yaml", imported.output)
        #expect(try lvsctl("validate", "-f", config).status == 0)
        let plan = try lvsctl("plan", "-f", config, "--live", saved, "--detailed-exitcode")
        #expect(plan.status == 0, "\(plan.output)\(plan.error)")
    }

    @Test("a JSON snapshot: a byte-order mark is read as JSON; repeats and syntax errors are refused at FILE:LINE:COLUMN")
    func jsonSnapshots() throws {
        let service = "{ \"vip\": \"198.51.100.10\", \"protocol\": \"tcp\", \"port\": 80, \"scheduler\": \"rr\", \"flags\": [], \"servers\": [] }"
        let document = "{ \"format\": \"lvsctl-snapshot/1\",\n  \"services\": [\n    \(service)\n  ] }\n"
        let bom = try temporaryFile("bom.json", "\u{FEFF}" + document)
        let planned = try lvsctl("plan", "-f", example("nat-web-farm"), "--live", bom, "--output", "json")
        #expect(planned.status == 0, "\(planned.error)")
        #expect(planned.output.contains("lvsctl-plan/2"))

        let twice = try temporaryFile("twice.json", document.replacingOccurrences(of: service, with: service + ",\n    " + service))
        let repeated = try lvsctl("plan", "-f", example("nat-web-farm"), "--live", twice)
        #expect(repeated.status == 1)
        #expect(repeated.error.contains("\(twice):4:5: error: service tcp/198.51.100.10:80 is listed twice"), "\(repeated.error)")

        let broken = try temporaryFile("broken.json", "{ \"format\": \"lvsctl-snapshot/1\",\n  \"services\": [ { ] }\n")
        let syntax = try lvsctl("plan", "-f", example("nat-web-farm"), "--live", broken)
        #expect(syntax.status == 1)
        #expect(syntax.error.contains("\(broken):2:19: error:"), "\(syntax.error)")
    }

    @Test("apply refuses a forged plan file before it takes the lock or opens the kernel")
    func forgedPlanFileIsReadFirst() throws {
        let snapshot = try temporaryFile("empty.txt", "")
        let planFile = try temporaryFile("plan.json", "")
        #expect(try lvsctl("plan", "-f", example("nat-web-farm"), "--live", snapshot, "--out", planFile).status == 0)
        let original = try String(contentsOfFile: planFile, encoding: .utf8)
        try original.replacingOccurrences(of: "\"weight\" : \"2\"", with: "\"weight\" : \"1\"")
            .write(toFile: planFile, atomically: true, encoding: .utf8)
        let result = try lvsctl("apply", planFile, "--yes", "--lock-file", "/nonexistent/lvsctl.lock")
        #expect(result.status == 1)
        #expect(result.error.contains("\(planFile):"), "\(result.error)")
        #expect(result.error.contains("not what the plan's target and basis give"), "\(result.error)")
        #expect(!result.error.contains("lock"), "\(result.error)")
    }

    @Test("import refuses what it cannot say, at FILE:LINE:COLUMN, prints nothing, and never echoes control bytes",
          arguments: ["-A -t 198.51.100.10:80 -s wl\u{1}c\n", "-A -u [2001:db8::1\u{0}]:53 -s rr\n",
                      "-A -t 198.51.100.10:80 -s rr\u{1B}[2J\u{1B}[H\n", "TCP  198.51.100.10:80 w\u{9B}lc\n",
                      "-A -t 198.51.100.10:80 -s \"wl\\x01c\"\n"])
    func importRefusesHostileText(_ text: String) throws {
        let file = try temporaryFile("hostile.txt", text)
        let imported = try lvsctl("import", file)
        #expect(imported.status == 1)
        #expect(imported.output.isEmpty)
        #expect(imported.error.hasPrefix("\(file):1:"), "\(imported.error)")
        #expect(!imported.error.unicodeScalars.contains { ($0.value < 0x20 && $0 != "\n") || (0x7F...0x9F).contains($0.value) })
    }

    @Test("import of a listing and a restore file: a config that validates, with the listing's warning on stderr")
    func importListingAndRestoreFile() throws {
        let listing = try temporaryFile("ticket.txt", """
            Prot LocalAddress:Port Scheduler Flags
              -> RemoteAddress:Port           Forward Weight ActiveConn InActConn
            TCP  198.51.100.10:http wlc persistent 360
              -> 203.0.113.11:80              Route   3      12         40
            FWM  3 rr
              -> 203.0.113.1:80               Tunnel  1      0          0

            """)
        let fromListing = try lvsctl("import", listing)
        #expect(fromListing.status == 0, "\(fromListing.error)")
        #expect(fromListing.error.contains("\(listing):2:3: warning: an 'ipvsadm -Ln' listing shows no thresholds"))
        #expect(fromListing.output.contains("- { address: 203.0.113.1, port: 80, forward: tun, weight: 1 }"))
        #expect(try lvsctl("validate", "-f", try temporaryFile("listing.yaml", fromListing.output)).status == 0)

        let restore = try temporaryFile("rules.txt", "# saved\nipvsadm --set 900 120 300\n-A -u 198.51.100.53:domain -s rr # dns\n")
        let fromRestore = try lvsctl("import", restore)
        #expect(fromRestore.status == 0, "\(fromRestore.error)")
        #expect(fromRestore.output.contains("timeouts: { tcp: 900, tcpfin: 120, udp: 300 }"))
        #expect(fromRestore.output.contains("port: 53"))
    }

    @Test("apply needs -f or a plan file, not both")
    func applyArguments() throws {
        #expect(try lvsctl("apply").status != 0)
        #expect(try lvsctl("apply", "-f", example("nat-web-farm"), "plan.json").status != 0)
    }
}
