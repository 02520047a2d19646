internal import Dispatch
import IPVSKernel
import LVSHost
import LVSModel

/// The kernel's table, and optionally this host's setup, read on a thread of their own while
/// the caller works on: loads the config (on two CPUs the parse of a large config and the read
/// of a large table overlap), or reads the host after an apply. Failures wait for `wait()`, so
/// a config error is still reported first, as if the reads had come after the load.
///
/// `@unchecked Sendable`: the adapter and the host are used by one thread at a time. The
/// reading thread sets `outcome` and then signals `done`; the caller touches them, and the
/// host it passed in, only after `done.wait()`.
final class LiveRead: @unchecked Sendable {
    typealias Reading = (kernel: IPVSKernel, live: LiveState, host: HostSnapshot?)

    private let kernel: IPVSKernel?
    private let host: LinuxHost?
    private var outcome: Result<Reading, Failure>?
    private let done = DispatchSemaphore(value: 0)

    private enum Failure: Error {
        case kernel(IPVSError)
        case host(HostError)
    }

    /// Starts reading the kernel through `kernel` (a new adapter when nil), and this host's
    /// setup when `host` is given.
    init(kernel: IPVSKernel? = nil, host: LinuxHost?) {
        self.kernel = kernel
        self.host = host
        DispatchQueue.global().async { [self] in
            outcome = Result { () throws(Failure) in
                let kernel: IPVSKernel
                let live: LiveState
                do throws(IPVSError) {
                    if let existing = self.kernel { kernel = existing } else { kernel = try IPVSKernel() }
                    live = try kernel.snapshot()
                } catch {
                    throw .kernel(error)
                }
                guard let host = self.host else { return (kernel, live, nil) }
                do throws(HostError) {
                    return (kernel, live, try Inputs.directorSnapshot(host))
                } catch {
                    throw .host(error)
                }
            }
            done.signal()
        }
    }

    /// Waits for the reads: the adapter, its table and the host's setup, or exit 1 with why.
    func wait() throws -> Reading {
        done.wait()
        switch outcome {
        case .success(let reading)?: return reading
        case .failure(.kernel(let error))?: throw Inputs.failure(error)
        case .failure(.host(let error))?: throw Inputs.failure(error)
        case nil: preconditionFailure("LiveRead finished without an outcome")
        }
    }
}
