import CEpoll
import Foundation
import Glibc
import NIOCore
import Synchronization

/// The tcp checks' own thread: their timers, their connects and the connects' ends, on one
/// epoll set, as keepalived's checker runs. A NIO channel's set-up (pipeline, options, address
/// look-ups) cost about nineteen system calls a probe, and each probe passed between threads
/// three times; in the emulated test VM that made the checker fall behind at a thousand
/// targets. Here a probe costs six system calls — `socket`, `SO_LINGER`, `connect`,
/// `epoll_ctl`, `SO_ERROR`, `close` (which also takes the socket out of the set) — and no thread
/// wakes another while it runs. Timers due within `LoopTimers.resolution` of each other fire
/// together.
final class ConnectPoller: CheckClock {
    /// One process-wide poller, as NIO's event loops are: its thread sleeps in `epoll_wait`
    /// until a timer falls due or a connect ends.
    static let shared = ConnectPoller()

    /// A connect in flight: its socket, and a number that tells it from a later socket that got
    /// the same descriptor once this one was closed.
    struct Token: Sendable {
        let socket: Int32
        let generation: UInt32
    }

    private struct State {
        var connects: [Int32: (generation: UInt32, done: @Sendable (Int32) -> Void)] = [:]
        var generation: UInt32 = 0
        var timers = TimerHeap()
        /// While the thread waits in `epoll_wait`: until when (nil: until an event).
        var sleeping: NIODeadline??
    }

    private let epoll: Int32
    private let wake: Int32
    private let state = Mutex(State())

    private init() {
        epoll = epoll_create1(Int32(EPOLL_CLOEXEC))
        wake = eventfd(0, Int32(EFD_CLOEXEC) | Int32(EFD_NONBLOCK))
        var event = epoll_event()
        event.events = EPOLLIN.rawValue
        event.data.u64 = UInt64.max
        precondition(epoll >= 0 && wake >= 0 && epoll_ctl(epoll, EPOLL_CTL_ADD, wake, &event) == 0,
                     "cannot make the tcp checks' epoll set: \(String(cString: strerror(errno)))")
        Thread { [self] in
            Thread.current.name = "lvsctl-checks"
            poll()
        }.start()
    }

    func at(_ deadline: NIODeadline, _ action: @escaping @Sendable () -> Void) {
        let wakeUp = state.withLock { state -> Bool in
            state.timers.push(deadline, action)
            guard case .some(let until) = state.sleeping else { return false }
            return until.map { deadline < $0 } ?? true
        }
        if wakeUp { eventfd_write(wake, 1) }
    }

    /// Connects to `address` and calls `done` once with 0 when the connection was made, else the
    /// error number; the socket is closed by then, reset rather than shut down (no FIN exchange,
    /// no TIME_WAIT left by thousands of checks a second, as HAProxy's checks do). `done` runs on
    /// the poller's thread, or on the caller's when the connect ends at once; it must not block.
    /// Returns the token to abandon the connect with, or nil when it has ended already.
    func connect(to address: SocketAddress, done: @escaping @Sendable (Int32) -> Void) -> Token? {
        let family = switch address {
        case .v6: AF_INET6
        default: AF_INET
        }
        let socket = Glibc.socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard socket >= 0 else {
            done(errno)
            return nil
        }
        var reset = linger(l_onoff: 1, l_linger: 0)
        setsockopt(socket, SOL_SOCKET, SO_LINGER, &reset, socklen_t(MemoryLayout<linger>.size))
        let connected = address.withSockAddr { Glibc.connect(socket, $0, socklen_t($1)) }
        let code = connected == 0 ? 0 : errno
        guard code == EINPROGRESS else {
            close(socket)
            done(code)
            return nil
        }
        let generation = state.withLock { state in
            state.generation &+= 1
            state.connects[socket] = (state.generation, done)
            return state.generation
        }
        let token = Token(socket: socket, generation: generation)
        var event = epoll_event()
        event.events = EPOLLOUT.rawValue | EPOLLONESHOT.rawValue
        event.data.u64 = UInt64(generation) << 32 | UInt64(UInt32(bitPattern: socket))
        guard epoll_ctl(epoll, EPOLL_CTL_ADD, socket, &event) == 0 else {
            let code = errno
            if let done = take(token) {
                close(socket)
                done(code)
            }
            return nil
        }
        return token
    }

    /// Ends a connect that is still in flight: closes its socket; `done` is not called.
    func abandon(_ token: Token) {
        if take(token) != nil { close(token.socket) }
    }

    /// The connect's callback, if it is still in flight; whoever takes it closes the socket.
    private func take(_ token: Token) -> (@Sendable (Int32) -> Void)? {
        state.withLock { state in
            guard state.connects[token.socket]?.generation == token.generation else { return nil }
            return state.connects.removeValue(forKey: token.socket)?.done
        }
    }

    private func poll() {
        var events = [epoll_event](repeating: epoll_event(), count: 256)
        while true {
            let wait = state.withLock { state -> Int32 in
                guard let next = state.timers.first else {
                    state.sleeping = .some(nil)
                    return -1
                }
                let now = NIODeadline.now()
                guard next > now else { return 0 }
                let until = max(next, now + LoopTimers.resolution)
                state.sleeping = until
                return Int32(clamping: (until - now).nanoseconds / 1_000_000 + 1)
            }
            let ready = epoll_wait(epoll, &events, Int32(events.count), wait)
            state.withLock { $0.sleeping = nil }
            for event in events.prefix(max(Int(ready), 0)) {
                if event.data.u64 == UInt64.max {
                    var count: eventfd_t = 0
                    eventfd_read(wake, &count)
                    continue
                }
                let token = Token(socket: Int32(bitPattern: UInt32(truncatingIfNeeded: event.data.u64)),
                                  generation: UInt32(truncatingIfNeeded: event.data.u64 >> 32))
                guard let done = take(token) else { continue }
                var code: Int32 = 0
                var length = socklen_t(MemoryLayout<Int32>.size)
                if getsockopt(token.socket, SOL_SOCKET, SO_ERROR, &code, &length) != 0 { code = errno }
                close(token.socket)
                done(code)
            }
            state.withLock { $0.timers.popDue(at: .now()) }.forEach { $0() }
        }
    }
}
