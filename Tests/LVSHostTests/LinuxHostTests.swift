import LVSHost
import Testing

@Suite("Linux host")
struct LinuxHostTests {
    @Test("a placeholder the host adapter's tests replace")
    func exists() {
        #expect(type(of: LinuxHost()) == LinuxHost.self)
    }
}
