import LVSHealth
import XCTest

final class ProbeResultTests: XCTestCase {
    func testKeepsItsReason() {
        let result = ProbeResult(success: false, reason: "connection refused", duration: .milliseconds(3))
        XCTAssertFalse(result.success)
        XCTAssertEqual(result.reason, "connection refused")
    }
}
