import Foundation
import Testing

/// `lvsctl apply`, `plan` and `get` against a real kernel with IPVS, inside the test VM
/// (`LVSCTL_KERNEL_TESTS=1`). The same intent is built with `ipvsadm -R` in a second network
/// namespace — IPVS tables are per namespace — and both are compared through ipvsadm.
@Suite(.serialized, .enabled(if: ProcessInfo.processInfo.environment["LVSCTL_KERNEL_TESTS"] == "1",
                             "needs a kernel with IPVS: runs in the VM"))
struct ApplyKernelTests {
    static let referenceNamespace = "lvsref"

    init() throws {
        if !FileManager.default.fileExists(atPath: "/run/netns/\(Self.referenceNamespace)") {
            try run("/usr/sbin/ip", ["netns", "add", Self.referenceNamespace])
        }
        for namespace in [nil, Self.referenceNamespace] {
            try ip(namespace, "link", "add", "eth1", "type", "dummy")
            try ip(namespace, "link", "set", "eth1", "up")
            try ip(namespace, "link", "set", "lo", "up")
            // Real-server addresses must be routable unicast, or the kernel refuses them.
            try ip(namespace, "route", "replace", "default", "dev", "eth1")
            try ip(namespace, "-6", "route", "replace", "default", "dev", "eth1")
            try ipvsadm(namespace, "-C")
            try ipvsadm(namespace, "--set", "900", "120", "300")
            try ipvsadmAllowingFailure(namespace, ["--stop-daemon", "master"])
        }
    }

    // MARK: Helpers

    @discardableResult
    func ip(_ namespace: String?, _ arguments: String...) throws -> Run {
        try run("/usr/sbin/ip", (namespace.map { ["-n", $0] } ?? []) + arguments)
    }

    @discardableResult
    func ipvsadmAllowingFailure(_ namespace: String?, _ arguments: [String], input: String = "") throws -> Run {
        namespace == nil
            ? try run("/usr/sbin/ipvsadm", arguments, input: input)
            : try run("/usr/sbin/ip", ["netns", "exec", namespace!, "/usr/sbin/ipvsadm"] + arguments, input: input)
    }

    @discardableResult
    func ipvsadm(_ namespace: String?, _ arguments: String..., input: String = "") throws -> Run {
        let result = try ipvsadmAllowingFailure(namespace, arguments, input: input)
        #expect(result.status == 0, "ipvsadm \(arguments.joined(separator: " ")): \(result.error)")
        return result
    }

    /// Everything ipvsadm shows of a table that the save format leaves out, too.
    func view(_ namespace: String?, timeouts: Bool = false, daemons: Bool = false) throws -> String {
        var text = try ipvsadm(namespace, "-Sn").output
        text += try ipvsadm(namespace, "-Ln", "--thresholds").output
        text += try ipvsadm(namespace, "-Ln", "--tun-info").output
        if timeouts { text += try ipvsadm(namespace, "-Ln", "--timeout").output }
        if daemons { text += try ipvsadm(namespace, "-Ln", "--daemon").output }
        return text
    }

    func apply(_ file: String, _ extra: String...) throws -> Run {
        try run(lvsctlBinary, ["apply", "-f", file, "--yes"] + extra)
    }

    // MARK: Tests

    @Test("the examples, applied one after another, each equal the table ipvsadm builds, and a second plan is empty")
    func examplesInSequence() throws {
        for name in exampleNames {
            let reference = try expectedTable(name)
            try ipvsadm(Self.referenceNamespace, "-C")
            try ipvsadm(Self.referenceNamespace, "-R", input: reference)
            let declaresTimeouts = reference.contains("--set"), declaresDaemon = reference.contains("--start-daemon")

            let applied = try apply(example(name), "--allow-mass-delete")
            #expect(applied.status == 0, "\(name): \(applied.output)\(applied.error)")
            #expect(try view(nil, timeouts: declaresTimeouts, daemons: declaresDaemon)
                == view(Self.referenceNamespace, timeouts: declaresTimeouts, daemons: declaresDaemon), "\(name)")
            let again = try lvsctl("plan", "-f", example(name), "--detailed-exitcode")
            #expect(again.status == 0, "\(name): second plan is not empty:\n\(again.output)")
            if declaresDaemon {
                // The next examples do not manage sync, and the kernel refuses mixed-family
                // tunnel servers while a daemon runs.
                try ipvsadm(Self.referenceNamespace, "--stop-daemon", "master")
                try ipvsadm(nil, "--stop-daemon", "master")
            }
        }
    }

    @Test("a table built by ipvsadm, read by get, cleared and re-applied, is the same table")
    func getRoundTrip() throws {
        try ipvsadm(nil, "-C")
        let rich = try exampleNames.map { try expectedTable($0) }.joined(separator: "\n")
            .split(separator: "\n").filter { !$0.hasPrefix("--") }.joined(separator: "\n")
        try ipvsadm(nil, "-R", input: rich + "\n-A -f 7 -6 -s mh -b mh-port\n-A -u 198.51.100.99:5060 -s rr -p 30 --pe sip\n")
        let before = try view(nil)
        let yaml = try lvsctl("get")
        #expect(yaml.status == 0, "\(yaml.error)")
        let file = try temporaryFile("live.yaml", yaml.output)
        #expect(try lvsctl("validate", "-f", file).status == 0)
        try ipvsadm(nil, "-C")
        let applied = try apply(file)
        #expect(applied.status == 0, "\(applied.output)\(applied.error)")
        #expect(try view(nil) == before)
        #expect(try lvsctl("plan", "-f", file, "--detailed-exitcode").status == 0)
    }

    @Test("services outside the scope survive, and the plan lists them as not managed")
    func foreignSurvives() throws {
        try ipvsadm(nil, "-C")
        try ipvsadm(nil, "-A", "-t", "203.0.113.250:80", "-s", "rr")
        try ipvsadm(nil, "-a", "-t", "203.0.113.250:80", "-r", "192.0.2.250", "-g")
        try ipvsadm(nil, "-A", "-f", "500", "-s", "rr")
        let plan = try lvsctl("plan", "-f", example("sync-and-timeouts"))
        #expect(plan.output.contains("Not managed (outside scope, left as they are): tcp/203.0.113.250:80, fwmark/500"))
        #expect(try apply(example("sync-and-timeouts")).status == 0)
        let table = try ipvsadm(nil, "-Sn").output
        #expect(table.contains("-A -t 203.0.113.250:80 -s rr"))
        #expect(table.contains("-a -t 203.0.113.250:80 -r 192.0.2.250:80 -g -w 1"))
        #expect(table.contains("-A -f 500 -s rr"))
        #expect(table.contains("-A -t 198.51.100.70:443 -s wlc"))
        try ipvsadm(nil, "--stop-daemon", "master")
    }

    @Test("an emptied file is refused, a truncated one is invalid, and the table is untouched")
    func massDeleteGuard() throws {
        try ipvsadm(nil, "-C")
        #expect(try apply(example("nat-web-farm")).status == 0)
        let before = try view(nil)
        let empty = try temporaryFile("empty.yaml", "version: 1\nservices: []\n")
        let refused = try apply(empty)
        #expect(refused.status == 1)
        #expect(refused.error.contains("refusing a plan that deletes all 2 managed services"))
        let text = try String(contentsOfFile: example("nat-web-farm"), encoding: .utf8)
        let truncated = try temporaryFile("truncated.yaml", String(text.prefix(text.count / 3)))
        #expect(try apply(truncated).status == 1)
        let missing = try apply("/nonexistent/lvs.yaml")
        #expect(missing.status == 1)
        #expect(try view(nil) == before)
        #expect(try apply(empty, "--allow-mass-delete").status == 0)
        #expect(try ipvsadm(nil, "-Sn").output.isEmpty)
    }

    @Test("an apply that fails part-way reports what was and was not done, and a corrected one converges")
    func failsPartWay() throws {
        try ipvsadm(nil, "-C")
        let broken = """
            version: 1
            services:
              - { name: first, vip: 198.51.100.80, port: 80, scheduler: rr, servers: [198.51.100.81] }
              - { name: second, vip: 198.51.100.80, port: 443, scheduler: twos, servers: [198.51.100.81] }
              - { name: third, vip: 198.51.100.80, port: 8443, scheduler: rr, servers: [198.51.100.81] }

            """
        let failed = try apply(try temporaryFile("broken.yaml", broken))
        #expect(failed.status == 1)
        #expect(failed.error.contains("ip_vs_twos"), "\(failed.error)")
        // Writes travel in pipelined windows: those after the failure in its window still ran,
        // and the report must say so.
        #expect(failed.error.contains("Done (5):\n  create address 198.51.100.80/32 on lvs0\n  create service tcp/198.51.100.80:80\n"))
        #expect(failed.error.contains("Failed (2):\n  create service tcp/198.51.100.80:443\n"))
        #expect(try ipvsadm(nil, "-Sn").output.contains("-A -t 198.51.100.80:80 -s rr"))
        let fixed = try temporaryFile("fixed.yaml", broken.replacingOccurrences(of: "twos", with: "wrr"))
        let converged = try apply(fixed)
        #expect(converged.status == 0, "\(converged.output)\(converged.error)")
        #expect(try lvsctl("plan", "-f", fixed, "--detailed-exitcode").status == 0)
        #expect(try ipvsadm(nil, "-Sn").output.components(separatedBy: "\n-A ").count == 3)
    }

    @Test("a saved plan is applied while current, and refused once the kernel changed")
    func savedPlans() throws {
        try ipvsadm(nil, "-C")
        #expect(try apply(example("nat-web-farm")).status == 0)
        let planFile = FileManager.default.temporaryDirectory.appendingPathComponent("lvsctl-\(UUID().uuidString).json").path
        #expect(try lvsctl("plan", "-f", example("dr-weighted-persistent"), "--out", planFile).status == 0)
        try ipvsadm(nil, "-e", "-t", "198.51.100.10:80", "-r", "203.0.113.11:8080", "-m", "-w", "9")
        let stale = try run(lvsctlBinary, ["apply", planFile, "--yes", "--allow-mass-delete"])
        #expect(stale.status == 1)
        #expect(stale.error.contains("stale plan"))
        #expect(try lvsctl("plan", "-f", example("dr-weighted-persistent"), "--out", planFile).status == 0)
        let applied = try run(lvsctlBinary, ["apply", planFile, "--yes", "--allow-mass-delete"])
        #expect(applied.status == 0, "\(applied.output)\(applied.error)")
        #expect(try lvsctl("plan", "-f", example("dr-weighted-persistent"), "--detailed-exitcode").status == 0)
    }

    @Test("a forged plan file is refused before anything is touched; a plan whose host part changed is stale")
    func forgedAndStaleHostPlans() throws {
        try ipvsadm(nil, "-C")
        try ip(nil, "link", "del", "lvsforge0")
        let config = try temporaryFile("forge.yaml", """
            version: 1
            director: { interface: lvsforge0, address: 203.0.113.1 }
            services:
              - { name: web, vip: 198.51.100.70, port: 80, servers: [ { address: 203.0.113.11, port: 8080, forward: nat } ] }

            """)
        let planFile = FileManager.default.temporaryDirectory.appendingPathComponent("lvsctl-\(UUID().uuidString).json").path
        #expect(try lvsctl("plan", "-f", config, "--out", planFile).status == 0)
        let original = try String(contentsOfFile: planFile, encoding: .utf8)
        #expect(original.contains("\"subject\" : \"device lvsforge0\""), "\(original)")
        let forgeries = [
            original.replacingOccurrences(of: "\"reason\" : \"not in the kernel\"", with: "\"reason\" : \"harmless\""),
            original.replacingOccurrences(of: "\"stage\" : \"before\"",
                                          with: "\"stage\" : \"before\", \"host_actions\" : [ { \"setSysctl\" : { \"key\" : \"//.//.root./ssh.authorized_keys\", \"value\" : \"x\" } } ]"),
            // The target alone says weight 5 (the changes show weights as strings).
            original.replacingOccurrences(of: "\"weight\" : 1\n", with: "\"weight\" : 5\n"),
        ]
        for forged in forgeries {
            #expect(forged != original)
            try forged.write(toFile: planFile, atomically: true, encoding: .utf8)
            let refused = try run(lvsctlBinary, ["apply", planFile, "--yes"])
            #expect(refused.status == 1)
            #expect(refused.error.contains("\(planFile):"), "\(refused.error)")
            #expect(try ipvsadm(nil, "-Sn").output.isEmpty)
            #expect(try ip(nil, "link", "show", "lvsforge0").status != 0, "the forged plan created lvsforge0")
        }

        try original.write(toFile: planFile, atomically: true, encoding: .utf8)
        try ip(nil, "link", "add", "lvsforge0", "type", "dummy")
        let stale = try run(lvsctlBinary, ["apply", planFile, "--yes"])
        #expect(stale.status == 1)
        #expect(stale.error.contains("stale plan: this host's VIPs, sysctls or firewall chains changed"), "\(stale.error)")
        #expect(try ipvsadm(nil, "-Sn").output.isEmpty)
        try ip(nil, "link", "del", "lvsforge0")
        let applied = try run(lvsctlBinary, ["apply", planFile, "--yes"])
        #expect(applied.status == 0, "\(applied.output)\(applied.error)")
        #expect(try lvsctl("plan", "-f", config, "--detailed-exitcode").status == 0)
        try ipvsadm(nil, "-C")
        try ip(nil, "link", "del", "lvsforge0")
    }

    @Test("without a terminal apply needs --yes; a held lock stops a second apply")
    func confirmationAndLock() throws {
        try ipvsadm(nil, "-C")
        let unconfirmed = try lvsctl("apply", "-f", example("pcc-all-ports"))
        #expect(unconfirmed.status == 1)
        #expect(unconfirmed.error.contains("run with --yes"))
        #expect(try ipvsadm(nil, "-Sn").output.isEmpty)

        let held = open("/run/lvsctl.lock", O_RDWR | O_CREAT, 0o644)
        #expect(flock(held, LOCK_EX | LOCK_NB) == 0)
        defer { close(held) }
        let locked = try apply(example("pcc-all-ports"))
        #expect(locked.status == 1)
        #expect(locked.error.contains("another lvsctl is changing this host"))
        #expect(try ipvsadm(nil, "-Sn").output.isEmpty)
    }

    @Test("--drain quiesces a removed server and then deletes it")
    func drain() throws {
        try ipvsadm(nil, "-C")
        #expect(try apply(example("dr-weighted-persistent")).status == 0)
        let text = try String(contentsOfFile: example("dr-weighted-persistent"), encoding: .utf8)
        let smaller = try temporaryFile("smaller.yaml", text.replacingOccurrences(of: "      - { address: 198.51.100.32, weight: 3 }\n", with: ""))
        let drained = try apply(smaller, "--drain", "3")
        #expect(drained.status == 0, "\(drained.output)\(drained.error)")
        #expect(drained.output.contains("Drained 1 server(s) to weight 0"))
        #expect(!(try ipvsadm(nil, "-Sn").output.contains("198.51.100.32")))
    }
}
