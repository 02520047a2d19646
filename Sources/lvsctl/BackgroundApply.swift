internal import Dispatch
import IPVSKernel
import LVSModel
import LVSPlan

/// An apply that runs on a thread of its own while the plan is still being printed. With
/// `--yes` nothing waits for the reader, so the kernel writes and the rendering of a large plan
/// (hundreds of thousands of lines) overlap instead of following each other. The writes are
/// those of the plan already computed: what is printed is exactly what is carried out.
///
/// `@unchecked Sendable`: the applier is used by the applying thread only (the caller keeps
/// its own copy unused until `wait()` returns); `report` is set
/// before `done` is signalled and read only after `done.wait()`.
final class BackgroundApply: @unchecked Sendable {
    private let applier: Applier<IPVSKernel>
    private let plan: Plan
    private var report: ApplyReport?
    private let done = DispatchSemaphore(value: 0)

    init(_ applier: Applier<IPVSKernel>, plan: Plan) {
        self.applier = applier
        self.plan = plan
        DispatchQueue.global().async { [self] in
            report = self.applier.apply(self.plan)
            done.signal()
        }
    }

    /// Waits for the apply to finish and returns what it did.
    func wait() -> ApplyReport {
        done.wait()
        guard let report else { preconditionFailure("BackgroundApply finished without a report") }
        return report
    }
}
