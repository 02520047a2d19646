@testable import LVSHealth
import NIOCore
import Synchronization
import XCTest

final class TimerHeapTests: XCTestCase {
    func testPopsByDeadlineThenInOrderPushed() {
        var heap = TimerHeap()
        let base = NIODeadline.now()
        let popped = Mutex<[Int]>([])
        let offsets = (0..<200).map { _ in Int.random(in: 0..<50) }
        for (index, offset) in offsets.enumerated() {
            heap.push(base + .milliseconds(Int64(offset))) { popped.withLock { $0.append(index) } }
        }
        // What is due by the middle, then the rest.
        let early = heap.popDue(at: base + .milliseconds(25))
        XCTAssertEqual(early.count, offsets.filter { $0 <= 25 }.count)
        early.forEach { $0() }
        heap.popDue(at: base + .milliseconds(50)).forEach { $0() }
        XCTAssertNil(heap.first)
        let expected = offsets.enumerated().sorted { ($0.element, $0.offset) < ($1.element, $1.offset) }.map(\.offset)
        XCTAssertEqual(popped.withLock { $0 }, expected)
    }
}
