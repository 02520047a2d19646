import LVSConfig
import LVSModel
import Testing

/// The desired state of a config given inline; fails the test with the diagnostics when invalid.
func config(_ yaml: String) throws -> DesiredState {
    let result = ConfigLoader.load(bytes: Array(yaml.utf8), file: "test.yaml")
    return try #require(result.state, "\(result.diagnostics)")
}
