import LVSModel
import Synchronization

/// A host held in memory that counts its readings and applies the device and address actions.
final class RecordingHost: HostAccess, Sendable {
    private let state = Mutex((snapshot: HostSnapshot(), readings: 0))

    var readings: Int { state.withLock { $0.readings } }
    var snapshot: HostSnapshot { state.withLock { $0.snapshot } }

    func snapshot(sysctls: [String], chains: [FirewallChain], routes: Bool) throws(HostError) -> HostSnapshot {
        state.withLock { state in
            state.readings += 1
            return state.snapshot
        }
    }

    func perform(_ action: HostAction) throws(HostError) {
        state.withLock { state in
            switch action {
            case .createDevice(let name, let kind): state.snapshot.devices[name] = .init(kind: kind, alias: HostSnapshot.ownedAlias, isUp: true)
            case .setLinkUp(let name): state.snapshot.devices[name]?.isUp = true
            case .addAddress(let address, let length, let device):
                state.snapshot.addresses[device, default: []].append(InterfaceAddress(address, prefixLength: length))
            case .removeAddress(let address, _, let device): state.snapshot.addresses[device]?.removeAll { $0.address == address }
            case .setSysctl(let key, let value): state.snapshot.sysctls[key] = value
            default: break
            }
        }
    }
}
