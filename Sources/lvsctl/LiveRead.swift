import IPVSKernel
import LVSHost
import LVSModel
internal import Synchronization

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

extension LiveRead {
    /// The read `startEarly()` started, until a command takes it.
    private static let early = Mutex<LiveRead?>(nil)

    /// Starts the read a `plan` against the kernel waits for before the command line is parsed
    /// (see `PlanCommand.readsKernel(arguments:)`): `swift-argument-parser` builds its argument
    /// sets by reflection, which in the emulated test VM keeps a CPU busy for 0.13 s that the
    /// read can use. Reading changes nothing, so a guess that the parse then refutes costs
    /// nothing but the read.
    static func startEarly() {
        early.withLock { $0 = LiveRead(host: LinuxHost()) }
    }

    /// The read `startEarly()` started, once; nil when none was.
    static func takeEarly() -> LiveRead? {
        early.withLock { $0.take() }
    }
}
