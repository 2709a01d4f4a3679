import MeghnaNetwork
import Testing

@Suite struct RouterReadingsTests {
    @Test(arguments: [("1w2d3h4m5s", Int64(788_645)), ("45s", 45), ("3h12m", 11_520), ("00:01:02", 62), ("", nil), ("5x", nil), ("h", nil), ("12", nil)])
    func uptimesInRouterOSFormat(text: String, seconds: Int64?) {
        #expect(RouterReadings.seconds(text) == seconds)
    }
}
