import NIOCore
import RouterOS
import Testing

/// Commands, replies, booleans, text and the words engineers read.
@Suite struct ValueTests {
    @Test(arguments: [("yes", true), ("true", true), ("no", false), ("false", false), ("YES", true), ("False", false)])
    func booleansInBothDialects(text: String, value: Bool) {
        #expect(RouterOSBool.parse(text) == value)
    }

    @Test func otherTextIsNotABoolean() {
        #expect(RouterOSBool.parse(nil) == nil)
        #expect(RouterOSBool.parse("") == nil)
        #expect(RouterOSBool.parse("maybe") == nil)
    }

    /// A cp1251 comment ("Тест") is not UTF-8: it decodes as Latin-1 and keeps its bytes.
    @Test func textThatIsNotUTF8DecodesLeniently() throws {
        let cp1251: [UInt8] = [0xD2, 0xE5, 0xF1, 0xF2]
        var buffer = ByteBuffer()
        buffer.writeBytes([0x03] + Array("!re".utf8))
        buffer.writeBytes([UInt8(9 + cp1251.count)] + Array("=comment=".utf8) + cp1251)
        buffer.writeBytes([0x00])
        var decoder = RouterOSSentenceDecoder()
        let words = try #require(try decoder.next(from: &buffer))
        let comment = try #require(RouterOSSentence(words: words)["comment"])
        #expect(comment == "\u{D2}\u{E5}\u{F1}\u{F2}")
        #expect(comment.unicodeScalars.map { UInt8($0.value) } == cp1251)
    }

    @Test func commandsBuildTheirWords() {
        let print = RouterOSCommand.print("/ppp/secret/", proplist: [".id", "name"], queries: ["?disabled=false"])
        #expect(print.path == "/ppp/secret/print")
        #expect(print.menu == "/ppp/secret" && print.action == "print")
        #expect(print.attributes == [RouterOSAttribute(name: ".proplist", value: ".id,name")])
        #expect(print.queries == ["?disabled=false"])
        #expect(RouterOSCommand.print("/ppp/active").attributes.isEmpty)
        let set = RouterOSCommand.set("/ppp/secret", id: "*1A", [("profile", "10M")])
        #expect(set.attributes == [.init(name: ".id", value: "*1A"), .init(name: "profile", value: "10M")])
        #expect(RouterOSCommand.remove("/ip/hotspot/active", id: "*5").description == "/ip/hotspot/active/remove .id=*5")
        #expect(RouterOSCommand.add("/queue/simple", [("name", "q"), ("max-limit", "5M/10M")]).path == "/queue/simple/add")
    }

    @Test func secretsAreRedacted() {
        let command = RouterOSCommand.add("/ppp/secret", [
            ("name", "alice"), ("password", "hunter2"), ("secret", "s"), ("response", "00ab"),
            ("wpa2-pre-shared-key", "k"), ("passphrase", "p"), ("private-key", "pk"), ("key", "k2"), ("old-password", "o"),
        ])
        let shown = command.redactedAttributes.map(\.value)
        #expect(shown == ["alice", "••••", "••••", "••••", "k", "••••", "••••", "••••", "••••"])
        #expect(!command.description.contains("hunter2"))
        let endpoint = RouterOSEndpoint(host: "10.0.0.1", username: "admin", password: "hunter2")
        #expect(!"\(endpoint)".contains("hunter2"))
    }

    @Test func repliesExposeRet() {
        #expect(RouterOSReply(done: ["ret": "*1A"]).ret == "*1A")
        #expect(RouterOSReply().ret == nil)
    }

    @Test(arguments: [
        (RouterOSError.refused(host: "10.0.0.1", port: 8728), "connection refused on 10.0.0.1:8728 — is the api service enabled?"),
        (.unreachable(host: "10.0.0.1", port: 8728, reason: "no route to the host"), "cannot reach 10.0.0.1:8728: no route to the host"),
        (.noAnswer(host: "10.0.0.1", port: 8728, seconds: 5), "no answer from 10.0.0.1:8728 in 5 s"),
        (.tls("certificate does not match the pinned fingerprint"), "TLS: certificate does not match the pinned fingerprint"),
        (.loginRefused("invalid user name or password"), "login refused: invalid user name or password"),
        (.trap(message: "failure: secret with the same name already exists", category: nil),
         "the router refused: failure: secret with the same name already exists"),
        (.trap(message: "no such item", category: 0), "the router refused: no such item (missing item or command)"),
        (.timeout(command: "/system/resource/print", seconds: 5), "no answer in 5 s to /system/resource/print"),
        (.timeout(command: "/ppp/active/print", seconds: 0.25), "no answer in 0.3 s to /ppp/active/print"),
        (.connectionLost, "connection lost"),
        (.fatal("session terminated on request"), "the router closed the session: session terminated on request"),
        (.protocolError("bad byte"), "unreadable reply from the router: bad byte"),
        (.closed, "the connection was closed"),
    ])
    func errorsReadAsSentences(error: RouterOSError, text: String) {
        #expect(error.description == text)
        #expect(error.isPermanent == ([.tls("certificate does not match the pinned fingerprint"), .loginRefused("invalid user name or password")] as [RouterOSError]).contains(error))
    }
}
