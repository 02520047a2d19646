import LVSEngine

extension DirectorLock {
    /// Takes the lock for a command that changes this host, or exit 1 saying who holds it.
    static func forCommand(path: String = DirectorLock.defaultPath) throws -> DirectorLock {
        do {
            return try DirectorLock(path: path)
        } catch {
            guard case .held = error else { throw Console.fail(error.description) }
            throw Console.fail("\(error); wait for it to finish")
        }
    }
}
