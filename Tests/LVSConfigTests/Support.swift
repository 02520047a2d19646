import Foundation
import LVSConfig

/// The repository's top level, found from this file so tests run from any directory.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// Every example file an operator can copy.
let exampleFiles: [URL] = {
    let folder = repositoryRoot.appendingPathComponent("examples")
    let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
    return names.filter { $0.hasSuffix(".yaml") }.sorted().map { folder.appendingPathComponent($0) }
}()

func load(_ text: String, file: String = "test.yaml") -> ConfigLoadResult {
    ConfigLoader.load(bytes: Array(text.utf8), file: file)
}
