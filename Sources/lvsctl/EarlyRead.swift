import IPVSKernel
import LVSEngine
import LVSHost
import LVSModel
internal import Synchronization

extension DirectorRead where Table == IPVSKernel {
    /// Starts reading the kernel's table (without counters: plans need none), and this host's
    /// setup when `host` is given.
    init(host: LinuxHost?) {
        self.init(connect: { () throws(IPVSError) in try IPVSKernel() }, host: host)
    }

    /// Waits for the reads: the adapter, its table and the host's setup, or exit 1 with why.
    func director() throws -> DirectorState<IPVSKernel> {
        switch wait() {
        case .success(let state): return state
        case .failure(let failure): throw Console.fail(failure.description)
        }
    }
}

/// The read a `plan` against the kernel waits for, started before the command line is parsed
/// (see `PlanCommand.readsKernel(arguments:)`): `swift-argument-parser` builds its argument sets
/// by reflection, which in the emulated test VM keeps a CPU busy for 0.13 s that the read can use.
/// Reading changes nothing, so a guess that the parse then refutes costs nothing but the read.
enum EarlyRead {
    private static let early = Mutex<DirectorRead<IPVSKernel>?>(nil)

    static func start() {
        early.withLock { $0 = DirectorRead(host: LinuxHost()) }
    }

    /// The read `start()` started, once; nil when none was.
    static func take() -> DirectorRead<IPVSKernel>? {
        early.withLock { $0.take() }
    }
}
