@testable import IPVSKernel
import LVSModel
import Testing

@Suite struct NetmaskTests {
    @Test(arguments: [(0, 0x0000_0000 as UInt32), (8, 0xFF00_0000), (24, 0xFFFF_FF00), (31, 0xFFFF_FFFE), (32, 0xFFFF_FFFF)])
    func ipv4MaskAndPrefixConvertBothWays(prefix: Int, mask: UInt32) {
        #expect(Netmask.ipv4Mask(prefixLength: prefix) == mask)
        #expect(Netmask.prefixLength(ipv4Mask: mask) == prefix)
    }

    @Test func ipv4AttributeBytesAreNetworkOrder() {
        let value = Netmask.attributeValue(prefixLength: 24, family: .ipv4)
        #expect(withUnsafeBytes(of: value) { Array($0) } == [0xFF, 0xFF, 0xFF, 0x00])
        #expect(Netmask.prefixLength(attributeValue: value, family: .ipv4) == 24)
    }

    @Test func ipv6AttributeIsThePrefixLength() {
        #expect(Netmask.attributeValue(prefixLength: 64, family: .ipv6) == 64)
        #expect(Netmask.prefixLength(attributeValue: 128, family: .ipv6) == 128)
    }

    @Test func nonContiguousMaskReadsAsLeadingOnes() {
        #expect(Netmask.prefixLength(ipv4Mask: 0xFFFF_00FF) == 16)
    }
}
