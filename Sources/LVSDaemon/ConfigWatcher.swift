internal import Dispatch
internal import Glibc
internal import Synchronization

/// Says when a config file may have changed, within a fraction of a second, however it was
/// changed: edited in place, replaced by a rename (as Git and configuration management write
/// files), or swapped through a symbolic link (as Kubernetes updates a ConfigMap: the file is a
/// link through `..data`, which is renamed to point at a new folder). Watches the folder that
/// names the file and the folder its link resolves to, for any entry written, moved, created
/// or removed; the caller reads the file again and decides whether it changed.
public final class ConfigWatcher: Sendable {
    private let fd: Int32
    private let path: String
    private let watched = Mutex<[Int32: String]>([:])
    private let stopped = Atomic<Bool>(false)

    /// Watches `path`; nil when inotify is not available (the timer still reads the file).
    public init?(path: String) {
        fd = inotify_init1(Int32(IN_CLOEXEC) | Int32(IN_NONBLOCK))
        guard fd >= 0 else { return nil }
        self.path = path
        rewatch()
    }

    deinit { close(fd) }

    /// Calls `changed` (on a thread of its own) after each burst of events, until `stop()`.
    public func start(_ changed: @escaping @Sendable () -> Void) {
        let thread = DispatchQueue(label: "lvsctl.config-watch")
        thread.async { [self] in
            var buffer = [UInt8](repeating: 0, count: 64 << 10)
            while !stopped.load(ordering: .relaxed) {
                var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                guard poll(&poller, 1, 200) > 0 else { continue }
                // A burst (an editor's write, rename and chmod) settles before the file is read.
                usleep(50_000)
                while buffer.withUnsafeMutableBytes({ read(fd, $0.baseAddress, $0.count) }) > 0 {}
                rewatch()
                changed()
            }
        }
    }

    public func stop() { stopped.store(true, ordering: .relaxed) }

    /// Watches the folders of `path` and of what it resolves to; those can change with a link swap.
    private func rewatch() {
        var folders = [Self.folder(of: path)]
        if let resolved = realpath(path, nil) {
            folders.append(Self.folder(of: String(cString: resolved)))
            free(resolved)
        }
        watched.withLock { watched in
            for folder in Set(folders) where !watched.values.contains(folder) {
                let mask = UInt32(IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE | IN_ATTRIB)
                let descriptor = inotify_add_watch(fd, folder, mask)
                if descriptor >= 0 { watched[descriptor] = folder }
            }
        }
    }

    private static func folder(of path: String) -> String {
        guard let slash = path.utf8.lastIndex(of: UInt8(ascii: "/")) else { return "." }
        return slash == path.utf8.startIndex ? "/" : String(path[..<slash])
    }
}
