import Foundation

/// A new, empty folder named `prefix-UUID` under the system's temporary folder, for one test's
/// files: no two tests, or runs, share one.
public func temporaryFolder(_ prefix: String) throws -> String {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    return folder
}
