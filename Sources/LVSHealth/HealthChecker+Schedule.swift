import Foundation
import LVSModel
import NIOCore

extension HealthChecker {
    /// What the checker's threads share, under one lock.
    struct Shared {
        var slots: [CheckTarget: Slot] = [:]
        /// Set while `run` runs: probes start only then.
        var tools: ProbeTools?
        var inFlight = 0
        /// Targets due while `concurrency` probes were in flight, in the order they fell due.
        var waiting = CircularBuffer<(target: CheckTarget, serial: UInt64)>()
        /// Numbers slots and timers, so that a timer or probe of a removed target never touches a
        /// new one, and a timer left from a stopped run starts nothing.
        var serial: UInt64 = 0
    }

    /// One target's state and schedule.
    struct Slot {
        let serial: UInt64
        var state: CheckState
        let address: SocketAddress?
        let clock: LoopTimers
        /// When the next probe is (or the running one was) due.
        var due: NIODeadline
        /// The number of the timer armed for `due`, if one is.
        var armed: UInt64?
        var run: ProbeRun?
    }

    /// Arms the timer of `target`'s next probe.
    func schedule(_ target: CheckTarget) {
        shared.withLock { shared in
            guard shared.tools != nil, let slot = shared.slots[target], slot.armed == nil, slot.run == nil else { return }
            shared.serial += 1
            let (serial, timer) = (slot.serial, shared.serial)
            shared.slots[target]?.armed = timer
            target.timers(on: slot.clock).at(slot.due) { self.fallDue(target, serial: serial, timer: timer) }
        }
    }

    /// Starts the probe now, or queues it when `concurrency` probes are in flight.
    private func fallDue(_ target: CheckTarget, serial: UInt64, timer: UInt64) {
        let start = shared.withLock { shared -> Bool in
            guard shared.tools != nil, let slot = shared.slots[target], slot.serial == serial, slot.armed == timer else { return false }
            shared.slots[target]?.armed = nil
            guard shared.inFlight < concurrency else {
                shared.waiting.append((target, serial))
                return false
            }
            shared.inFlight += 1
            return true
        }
        if start { probe(target, serial: serial) }
    }

    private func probe(_ target: CheckTarget, serial: UInt64) {
        let started = shared.withLock { shared -> (Slot, ProbeTools)? in
            guard let tools = shared.tools, let slot = shared.slots[target], slot.serial == serial else { return nil }
            return (slot, tools)
        }
        guard let (slot, tools) = started else { return ended(nil) }
        let run = target.probe(to: slot.address, on: slot.clock, tools: tools)
        let lateness = Duration.nanoseconds(max(run.started - slot.due, .zero).nanoseconds)
        let stale = shared.withLock { shared -> Bool in
            guard shared.tools != nil, shared.slots[target]?.serial == serial else { return true }
            shared.slots[target]?.run = run
            return false
        }
        if stale { run.cancel() }
        run.whenDone { result in
            self.ended((target, serial, result, lateness, run.started + TimeAmount(result.duration)))
        }
    }

    /// Counts a probe's result (nil: it did not start), frees its place for a waiting probe,
    /// and schedules the target's next one.
    private func ended(_ probe: (target: CheckTarget, serial: UInt64, result: ProbeResult, lateness: Duration, at: NIODeadline)?) {
        let (event, next) = shared.withLock { shared -> (CheckEvent?, (target: CheckTarget, serial: UInt64, clock: LoopTimers)?) in
            var next: (target: CheckTarget, serial: UInt64, clock: LoopTimers)?
            while shared.tools != nil, let waiting = shared.waiting.popFirst() {
                if let slot = shared.slots[waiting.target], slot.serial == waiting.serial {
                    next = (waiting.target, waiting.serial, slot.clock)
                    break
                }
            }
            if next == nil { shared.inFlight -= 1 }
            // A probe cut short by the checker stopping says nothing of its target: not recorded, not saved.
            guard let probe, shared.tools != nil, var slot = shared.slots[probe.target], slot.serial == probe.serial else { return (nil, next) }
            let transition = slot.state.record(probe.result, at: Date())
            slot.run = nil
            slot.due = max(slot.due + TimeAmount(probe.target.check.interval), probe.at)
            shared.slots[probe.target] = slot
            return (CheckEvent(target: probe.target, result: probe.result, state: slot.state, transition: transition,
                               lateness: probe.lateness), next)
        }
        // From the waiting target's clock, not from here: a probe that ends at once would end here
        // again, one frame deeper for every target waiting.
        if let next { next.target.timers(on: next.clock).at(.now()) { self.probe(next.target, serial: next.serial) } }
        guard let event else { return }
        schedule(event.target)
        if let transition = event.transition {
            logger.debug("check changed", metadata: ["target": "\(event.target)", "verdict": "\(transition)"])
        }
        onEvent(event)
    }
}
