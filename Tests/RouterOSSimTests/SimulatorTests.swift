import RouterOS
import RouterOSSim
import Testing

@Suite struct SimulatorPlaceholderTests {
    @Test func theSimulatorTargetBuilds() {
        #expect(RouterOSWire.encodeLength(0x80) == [0x80, 0x80])
    }
}
