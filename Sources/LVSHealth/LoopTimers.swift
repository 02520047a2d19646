import NIOCore
import Synchronization

/// The timers of one event loop — every target's next check and every probe's timeout — kept
/// in a heap of their own, with one NIO task armed for the earliest. NIO cancels a scheduled
/// task by a linear search of all those pending, so ten thousand targets' timers there made each
/// probe's connect (whose timeout NIO cancels) cost a scan of them all. A timer here is never
/// cancelled: what it would start checks on firing whether it is still wanted. Timers due within
/// `resolution` of each other fire together, so thousands a second cost hundreds of wake-ups.
final class LoopTimers: Sendable {
    static let resolution = TimeAmount.milliseconds(5)

    let eventLoop: any EventLoop
    private let state = Mutex(State())

    private struct State {
        var heap = TimerHeap()
        var armed: (deadline: NIODeadline, task: Scheduled<Void>)?
    }

    init(eventLoop: any EventLoop) { self.eventLoop = eventLoop }

    func at(_ deadline: NIODeadline, _ action: @escaping @Sendable () -> Void) {
        let replaced = state.withLock { state -> Scheduled<Void>? in
            state.heap.push(deadline, action)
            if let armed = state.armed, armed.deadline <= deadline { return nil }
            defer { state.armed = (deadline, eventLoop.scheduleTask(deadline: deadline) { self.fire() }) }
            return state.armed?.task
        }
        replaced?.cancel()
    }

    private func fire() {
        let due = state.withLock { state -> [@Sendable () -> Void] in
            let now = NIODeadline.now()
            let due = state.heap.popDue(at: now)
            state.armed = state.heap.first.map { next in
                let deadline = max(next, now + Self.resolution)
                return (deadline, eventLoop.scheduleTask(deadline: deadline) { self.fire() })
            }
            return due
        }
        due.forEach { $0() }
    }
}

/// A binary min-heap of actions by deadline; equal deadlines come out in the order they went in.
struct TimerHeap {
    private var entries: [(deadline: NIODeadline, order: UInt64, action: @Sendable () -> Void)] = []
    private var pushed: UInt64 = 0

    var first: NIODeadline? { entries.first?.deadline }

    mutating func push(_ deadline: NIODeadline, _ action: @escaping @Sendable () -> Void) {
        pushed += 1
        entries.append((deadline, pushed, action))
        var child = entries.count - 1
        while child > 0, before(child, (child - 1) / 2) {
            entries.swapAt(child, (child - 1) / 2)
            child = (child - 1) / 2
        }
    }

    /// The actions due at `now`, removed, earliest first.
    mutating func popDue(at now: NIODeadline) -> [@Sendable () -> Void] {
        var due: [@Sendable () -> Void] = []
        while let next = first, next <= now { due.append(pop()) }
        return due
    }

    /// The earliest action, removed; the heap must not be empty.
    private mutating func pop() -> @Sendable () -> Void {
        entries.swapAt(0, entries.count - 1)
        let action = entries.removeLast().action
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var least = parent
            if left < entries.count, before(left, least) { least = left }
            if right < entries.count, before(right, least) { least = right }
            if least == parent { return action }
            entries.swapAt(parent, least)
            parent = least
        }
    }

    private func before(_ a: Int, _ b: Int) -> Bool {
        (entries[a].deadline, entries[a].order) < (entries[b].deadline, entries[b].order)
    }
}
