import IPVSKernel
import LVSHost
import LVSModel

/// The kernel's table (without counters: plans need none), and optionally this host's setup,
/// read on threads of their own while the caller works on: loads the config (on two CPUs the
/// parse of a large config and the read of a large table overlap), or reads the host after an
/// apply. Failures wait for `wait()`, so a config error is still reported first, as if the reads
/// had come after the load.
struct LiveRead {
    typealias Reading = (kernel: IPVSKernel, live: LiveState, host: HostSnapshot?)

    private let reading: Background<Result<Reading, Failure>>

    private enum Failure: Error {
        case kernel(IPVSError)
        case host(HostError)
    }

    /// Starts reading the kernel through `kernel` (a new adapter when nil), and this host's
    /// setup when `host` is given, each on a thread of its own: the host's `iptables-save`
    /// processes run beside the kernel's dumps instead of after them. The caller leaves both
    /// alone until `wait()` returns.
    init(kernel: IPVSKernel? = nil, host: LinuxHost?) {
        let hostReading = host.map { host in
            Background { Result { () throws(HostError) in try Inputs.directorSnapshot(host) } }
        }
        reading = Background {
            Result { () throws(Failure) in
                let adapter: IPVSKernel
                let live: LiveState
                do throws(IPVSError) {
                    if let kernel { adapter = kernel } else { adapter = try IPVSKernel() }
                    live = try adapter.snapshot(statistics: false)
                } catch {
                    throw .kernel(error)
                }
                switch hostReading?.wait() {
                case nil: return (adapter, live, nil)
                case .success(let snapshot): return (adapter, live, snapshot)
                case .failure(let error): throw .host(error)
                }
            }
        }
    }

    /// Waits for the reads: the adapter, its table and the host's setup, or exit 1 with why.
    func wait() throws -> Reading {
        switch reading.wait() {
        case .success(let reading): return reading
        case .failure(.kernel(let error)): throw Inputs.failure(error)
        case .failure(.host(let error)): throw Inputs.failure(error)
        }
    }
}
