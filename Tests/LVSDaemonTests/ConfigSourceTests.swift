import Foundation
import Glibc
import TestSupport
import Testing
@testable import LVSDaemon

@Suite("config source")
struct ConfigSourceTests {
    @Test("an invalid or missing file is reported once, again when forced or when its errors change; a valid one replaces it, also one put back as it was")
    func reportsOnce() throws {
        let path = try temporaryFolder("lvsctl-source") + "/lb.yaml"
        var source = ConfigSource(path: path)

        try "version: 1\nservices: [ { vip: nonsense } ]\n".write(toFile: path, atomically: false, encoding: .utf8)
        #expect(errors(source.refresh())?.first?.contains("not an IP address") == true)
        // Just written, so read again: the same errors are not reported again.
        #expect(errors(source.refresh()) == nil)
        #expect(errors(source.refresh(force: true))?.isEmpty == false)

        try "version: 1\nservices: [ { vip: 198.51.100.1, port: 80, scheduler: rrr } ]\n".write(toFile: path, atomically: false, encoding: .utf8)
        #expect(errors(source.refresh())?.first?.contains("unknown scheduler 'rrr'") == true)

        #expect(unlink(path) == 0)
        #expect(errors(source.refresh())?.first?.contains("no such file") == true)
        #expect(errors(source.refresh()) == nil)
        #expect(source.current == nil)

        try "version: 1\nservices: [ { vip: 198.51.100.1, port: 80, scheduler: rr } ]\n".write(toFile: path, atomically: false, encoding: .utf8)
        guard case .loaded(let state) = source.refresh() else { Issue.record("a valid file was not loaded"); return }
        #expect(state.table.services.count == 1)
        guard case .unchanged = source.refresh() else { Issue.record("the same file was loaded twice"); return }
        #expect(unlink(path) == 0)
        #expect(errors(source.refresh())?.first?.contains("no such file") == true)
        #expect(source.current == state)
        // Put back as it was: valid again, though its state is the one already current.
        try "version: 1\nservices: [ { vip: 198.51.100.1, port: 80, scheduler: rr } ]\n".write(toFile: path, atomically: false, encoding: .utf8)
        #expect(errors(source.refresh()) == [])
    }

    /// The messages of an `.invalid` reading; `[]` for `.loaded`, nil for `.unchanged`.
    private func errors(_ reading: ConfigSource.Reading) -> [String]? {
        switch reading {
        case .unchanged: nil
        case .loaded: []
        case .invalid(let errors): errors.map(\.description)
        }
    }
}
