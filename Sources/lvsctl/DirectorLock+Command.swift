import LVSEngine

extension DirectorLock {
    /// Takes the lock for a command that changes this host, or exit 1 saying who holds it.
    static func forCommand(path: String = DirectorLock.defaultPath) throws -> DirectorLock {
        do {
            return try DirectorLock(path: path)
        } catch .held(let path, let pid) {
            throw Console.fail("another lvsctl is changing this host (lock \(path)\(pid.map { ", pid \($0)" } ?? "")); wait for it to finish")
        } catch {
            throw Console.fail(error.description)
        }
    }
}
