import LVSModel
import NIOCore
import NIOHTTP1

/// Sends one request and judges its response: the status against the probe's ranges, then,
/// when the probe wants body text, the first `maximumBodyBytes` of the body.
final class HTTPProbeHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    private let probe: HealthCheck.HTTPProbe
    private let host: String
    private let attempt: ProbeAttempt
    private var status: Int?
    private var body: [UInt8] = []
    private let wanted: [UInt8]

    init(probe: HealthCheck.HTTPProbe, host: String, attempt: ProbeAttempt) {
        self.probe = probe
        self.host = host
        self.attempt = attempt
        wanted = Array((probe.body ?? "").utf8)
    }

    func channelActive(context: ChannelHandlerContext) {
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: host)
        headers.add(name: "User-Agent", value: "lvsctl-health")
        headers.add(name: "Accept", value: "*/*")
        headers.add(name: "Connection", value: "close")
        let head = HTTPRequestHead(version: .http1_1, method: HTTPMethod(rawValue: probe.method), uri: probe.path, headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            let code = Int(head.status.code)
            status = code
            if !probe.accepts(status: code) {
                attempt.finish(success: false, reason: "status \(code)")
            } else if wanted.isEmpty {
                attempt.finish(success: true, reason: "status \(code)")
            }
        case .body(let buffer):
            let room = HealthCheck.HTTPProbe.maximumBodyBytes - body.count
            guard room > 0 else { return }
            let searched = max(0, body.count - wanted.count + 1)
            body += buffer.readableBytesView.prefix(room)
            if contains(wanted, from: searched) { attempt.finish(success: true, reason: "status \(status ?? 0)") }
        case .end:
            finishWithoutText()
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if status == nil {
            attempt.finish(success: false, reason: "connection closed before a response")
        } else {
            finishWithoutText()
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        attempt.fail(error)
        context.close(promise: nil)
    }

    /// The response ended (or was cut) without the wanted text.
    private func finishWithoutText() {
        attempt.finish(success: false, reason: "body lacks '\(DisplayText.escaped(probe.body ?? "", limit: 40))'")
    }

    /// Whether the body holds `needle` starting at or after `from` (text before it was searched).
    private func contains(_ needle: [UInt8], from: Int) -> Bool {
        guard from + needle.count <= body.count else { return false }
        return body.withUnsafeBufferPointer { haystack in
            (from...(haystack.count - needle.count)).contains { start in
                haystack[start..<(start + needle.count)].elementsEqual(needle)
            }
        }
    }
}
