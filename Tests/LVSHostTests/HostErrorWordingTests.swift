@testable import LVSHost
import Testing

@Suite("host errors in words a person can act on")
struct HostErrorWordingTests {
    @Test("permission problems say that root is needed")
    func root() {
        #expect(HostErrorWording.explain("RTNETLINK answers: Operation not permitted", status: 2).contains("needs root"))
        #expect(HostErrorWording.explain("iptables-restore v1.8.9 (nf_tables): Permission denied (you must be root)", status: 4)
            .contains("needs root"))
    }

    @Test("a silent failure still says something, and other messages pass unchanged")
    func plain() {
        #expect(HostErrorWording.explain("", status: 3) == "exited with status 3 and no message")
        #expect(HostErrorWording.explain("Cannot find device \"eth9\"", status: 1) == "Cannot find device \"eth9\"")
    }
}
