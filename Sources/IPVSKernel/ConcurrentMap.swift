internal import Dispatch

/// Calls `body` for every index of `0..<count`, on up to one thread per CPU, and returns the
/// results in index order.
func concurrentMap<Element: Sendable>(_ count: Int, _ body: @Sendable (Int) -> Element) -> [Element] {
    let slots = ResultSlots<Element>(count: count)
    DispatchQueue.concurrentPerform(iterations: count) { index in slots.store(body(index), at: index) }
    return slots.collect()
}

/// One result slot per iteration of `concurrentMap`.
///
/// `@unchecked Sendable` because it is written from several threads without a lock. That is
/// safe as used: each iteration writes only its own slot, and the slots are read only after
/// `concurrentPerform` has returned, which happens after every iteration has finished.
private final class ResultSlots<Element: Sendable>: @unchecked Sendable {
    private let slots: UnsafeMutableBufferPointer<Element?>

    init(count: Int) {
        slots = .allocate(capacity: count)
        slots.initialize(repeating: nil)
    }

    deinit {
        slots.deinitialize()
        slots.deallocate()
    }

    func store(_ element: Element, at index: Int) {
        slots[index] = element
    }

    func collect() -> [Element] {
        slots.map { $0! }
    }
}
