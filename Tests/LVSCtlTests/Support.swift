import Foundation
import TestSupport

/// The repository's top level, found from this file.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

let examplesFolder = repositoryRoot.appendingPathComponent("examples")
let expectedFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Expected")

/// The example names, sorted: `nat-web-farm` for examples/nat-web-farm.yaml.
let exampleNames: [String] = ((try? FileManager.default.contentsOfDirectory(atPath: examplesFolder.path)) ?? [])
    .filter { $0.hasSuffix(".yaml") }.map { String($0.dropLast(5)) }.sorted()

func example(_ name: String) -> String { examplesFolder.appendingPathComponent("\(name).yaml").path }

/// The lvsctl the command-line tests run: `LVSCTL_BINARY` (scripts/test.sh sets it, for the kernel
/// suite, to the program as it ships), else the one built beside the test bundle.
let lvsctlBinary = ProcessInfo.processInfo.environment["LVSCTL_BINARY"]
    ?? URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("lvsctl").path

struct Run {
    var status: Int32
    var output: String
    var error: String
}

/// Runs a program with an argument array (never a shell string), feeding `input` on stdin.
@discardableResult
func run(_ executable: String, _ arguments: [String], input: String = "") throws -> Run {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
    process.standardInput = stdin
    process.standardOutput = stdout
    process.standardError = stderr
    var environment = ProcessInfo.processInfo.environment
    environment["NO_COLOR"] = "1"
    process.environment = environment
    try process.run()
    stdin.fileHandleForWriting.write(Data(input.utf8))
    try stdin.fileHandleForWriting.close()
    let out = stdout.fileHandleForReading.readDataToEndOfFile()
    let err = stderr.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return Run(status: process.terminationStatus, output: String(decoding: out, as: UTF8.self),
               error: String(decoding: err, as: UTF8.self))
}

func lvsctl(_ arguments: String..., input: String = "") throws -> Run {
    try run(lvsctlBinary, arguments, input: input)
}

/// A file under a fresh temporary folder holding `text`.
func temporaryFile(_ name: String, _ text: String) throws -> String {
    let file = URL(fileURLWithPath: try temporaryFolder("lvsctl-tests")).appendingPathComponent(name)
    try text.write(to: file, atomically: true, encoding: .utf8)
    return file.path
}

func expectedTable(_ name: String) throws -> String {
    try String(contentsOf: expectedFolder.appendingPathComponent("\(name).ipvsadm"), encoding: .utf8)
}

/// Polls `condition` every `interval` seconds for up to `seconds`; how long it took to hold, nil
/// when it never did. An error counts as "not yet" until the last try, which throws it.
@discardableResult
func eventually(within seconds: Double, every interval: Double = 0.05, _ condition: () throws -> Bool) rethrows -> Double? {
    let start = Date()
    while Date().timeIntervalSince(start) < seconds {
        if (try? condition()) == true { return Date().timeIntervalSince(start) }
        usleep(UInt32(interval * 1_000_000))
    }
    return try condition() ? Date().timeIntervalSince(start) : nil
}
