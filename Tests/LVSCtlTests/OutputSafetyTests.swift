import Foundation
import Glibc
import Testing

/// Input that is not a file to read whole, output that does not all arrive, and paths that must
/// not be replaced: what the commands do with each, as a process run from outside.
@Suite("files and streams")
struct OutputSafetyTests {
    private let snapshot = "-A -t 198.51.100.10:80 -s rr\n-a -t 198.51.100.10:80 -r 203.0.113.11:8080 -m -w 1\n"

    @Test("a FIFO given as a file is refused at once, not waited on")
    func fifoInput() throws {
        let fifo = try temporaryFile("config.yaml", "") + ".fifo"
        #expect(mkfifo(fifo, 0o600) == 0)
        for arguments in [["validate", "-f", fifo], ["import", fifo], ["plan", "-f", example("nat-web-farm"), "--live", fifo]] {
            let result = try run(lvsctlBinary, arguments)
            #expect(result.status == 1)
            #expect(result.error.contains("it is a FIFO, not a regular file; give '-' to read standard input"), "\(result.error)")
        }
    }

    @Test("output that does not all reach a full disk ends with exit 1", arguments: [
        ["import", "SNAPSHOT"], ["plan", "-f", "CONFIG", "--live", "SNAPSHOT"], ["plan", "-f", "CONFIG", "--live", "SNAPSHOT", "--output", "json"],
        ["validate", "-f", "CONFIG"],
    ])
    func fullDisk(_ template: [String]) throws {
        let table = try temporaryFile("live.txt", (1...3_000).map { "-A -t 198.51.100.\($0 % 250 + 1):\(1000 + $0 / 250) -s rr\n" }.joined())
        let arguments = template.map { $0 == "SNAPSHOT" ? table : $0 == "CONFIG" ? example("nat-web-farm") : $0 }
        let result = try runWritingTo("/dev/full", arguments)
        #expect(result.status == 1, "\(arguments)")
        #expect(result.error.contains("writing standard output failed: No space left on device"), "\(result.error)")
    }

    @Test("plan --out replaces a regular file, and refuses a link, a FIFO or a missing directory")
    func planOut() throws {
        let live = try temporaryFile("live.txt", snapshot)
        let folder = URL(fileURLWithPath: live).deletingLastPathComponent().path
        func plan(out: String) throws -> Run {
            try lvsctl("plan", "-f", example("nat-web-farm"), "--live", live, "--out", out)
        }
        let target = folder + "/target"
        try "keep\n".write(toFile: target, atomically: false, encoding: .utf8)
        let link = folder + "/link.json"
        #expect(symlink(target, link) == 0)
        let fifo = folder + "/fifo.json"
        #expect(mkfifo(fifo, 0o600) == 0)
        for (path, reason) in [(link, "it is a symbolic link"), (fifo, "it is a FIFO"),
                               (folder + "/missing/plan.json", "the directory '\(folder)/missing/' does not exist")] {
            let result = try plan(out: path)
            #expect(result.status == 1)
            #expect(result.error.contains("cannot write plan file '\(path)': \(reason)"), "\(result.error)")
        }
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "keep\n")
        var status = stat()
        #expect(lstat(link, &status) == 0 && status.st_mode & S_IFMT == S_IFLNK)
        #expect(lstat(fifo, &status) == 0 && status.st_mode & S_IFMT == S_IFIFO)

        let saved = folder + "/plan.json"
        try "old\n".write(toFile: saved, atomically: false, encoding: .utf8)
        #expect(try plan(out: saved).status == 0)
        #expect(try String(contentsOfFile: saved, encoding: .utf8).hasPrefix("{"))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasPrefix(".lvsctl-") }
        #expect(leftovers.isEmpty)
    }

    /// Runs lvsctl with standard output opened on `path` (a device such as /dev/full).
    private func runWritingTo(_ path: String, _ arguments: [String]) throws -> Run {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: lvsctlBinary)
        process.arguments = arguments
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        let stderr = Pipe()
        process.standardError = stderr
        try process.run()
        let err = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(status: process.terminationStatus, output: "", error: String(decoding: err, as: UTF8.self))
    }
}
