import Foundation
import Glibc
import LVSEngine
import TestSupport
import Testing

@Suite("director lock")
struct DirectorLockTests {
    @Test("a lock that cannot be opened or is held says why, for the operator")
    func reasons() throws {
        let folder = try temporaryFolder("lvsctl-lock")
        #expect(message(folder + "/missing/lock") == "cannot open lock file \(folder)/missing/lock: No such file or directory; its folder does not exist")
        #expect(symlink(folder + "/elsewhere", folder + "/link") == 0)
        #expect(message(folder + "/link")?.hasSuffix("; it is a symbolic link, which the lock file may not be") == true)

        let held = try DirectorLock(path: folder + "/lock")
        #expect(message(folder + "/lock") == "another lvsctl is changing this host (lock \(folder)/lock, pid \(getpid()))")
        held.release()
        #expect(message(folder + "/lock") == nil)
    }

    /// Why the lock at `path` cannot be taken now; nil when it can.
    private func message(_ path: String) -> String? {
        do throws(DirectorLock.Failure) {
            try DirectorLock(path: path).release()
            return nil
        } catch {
            return error.description
        }
    }
}
