import Testing
@testable import Platform

@Suite("PasswordPolicy")
struct PasswordPolicyTests {
    enum Rule: String, Sendable { case length, bytes, common, email, name, repeats }

    struct Case: Sendable, CustomTestStringConvertible {
        let label: String
        let password: String
        var email: String? = "rahim.uddin@example.com"
        var name: String? = "Rahim Uddin"
        let broken: Set<Rule>
        var testDescription: String { label }
    }

    static let cases: [Case] = [
        Case(label: "short", password: "Tr0ub4dor&3", broken: [.length]),
        Case(label: "empty", password: "", broken: [.length]),
        Case(label: "common", password: "qwerty123456", broken: [.common]),
        Case(label: "common, other case", password: "LeaveMeAlone", broken: [.common]),
        Case(label: "common keyboard walk", password: "1qaz2wsx3edc", broken: [.common]),
        Case(label: "short and common", password: "password", broken: [.length, .common]),
        Case(label: "contains whole email", password: "x-rahim.uddin@example.com-x", name: nil, broken: [.email]),
        Case(label: "contains email local part", password: "Rahim.Uddin-rocks-2024", broken: [.email, .name]),
        Case(label: "contains local part only", password: "mylogin-is-rahu-99-ok",
             email: "rahu@example.com", name: nil, broken: [.email]),
        Case(label: "local part under 3 chars ignored", password: "ab-lantern-copper-violet",
             email: "ab@example.com", name: nil, broken: []),
        Case(label: "contains a name word", password: "violet-uddin-lantern", broken: [.name]),
        Case(label: "name match ignores case", password: "Lantern-RAHIM-violet", email: nil, broken: [.name]),
        Case(label: "name words under 3 chars ignored", password: "al-lantern-copper-violet",
             email: nil, name: "Al Mamun", broken: []),
        Case(label: "fine passphrase", password: "correct horse battery staple", broken: []),
        Case(label: "fine passphrase without email or name", password: "lantern copper violet",
             email: nil, name: nil, broken: []),
        Case(label: "exactly 72 bytes", password: String(repeating: "k9m2p7x4", count: 9), broken: []),
        Case(label: "73 bytes", password: String(repeating: "k9m2p7x4", count: 9) + "x", broken: [.bytes]),
        Case(label: "one character over and over", password: String(repeating: "a", count: 16), broken: [.repeats]),
        Case(label: "two characters taking turns", password: String(repeating: "k9", count: 10), broken: [.repeats]),
        Case(label: "one Bengali letter over and over", password: String(repeating: "ক", count: 14), broken: [.repeats]),
        Case(label: "five different characters are enough", password: "abcdeabcdeab", broken: []),
        Case(label: "Bengali passphrase within limits", password: "নদীর ধারে বাড়ি আমার", broken: []),
        Case(label: "long Bengali passphrase over 72 bytes",
             password: "আমার সোনার বাংলা আমি তোমায় ভালোবাসি", broken: [.bytes]),
        Case(label: "12 emoji (48 bytes) are fine", password: "🌊🌴🐟🌾🚣🌧🐘🦚🍚🫖🪷🐝", broken: []),
        Case(label: "11 emoji are too short", password: "🌊🌴🐟🌾🚣🌧🐘🦚🍚🫖🪷", broken: [.length]),
    ]

    static func rule(of sentence: String) -> Rule? {
        if sentence.contains("different characters") { return .repeats }
        if sentence.contains("at least") { return .length }
        if sentence.contains("at most") { return .bytes }
        if sentence.contains("common") { return .common }
        if sentence.contains("email") { return .email }
        if sentence.contains("name") { return .name }
        return nil
    }

    @Test("Rules", arguments: cases)
    func rules(_ testCase: Case) {
        let problems = PasswordPolicy.problems(password: testCase.password, email: testCase.email, name: testCase.name)
        let rules = problems.compactMap(Self.rule(of:))
        #expect(rules.count == problems.count, "every problem is a known sentence: \(problems)")
        #expect(Set(rules) == testCase.broken, "\(problems)")
        #expect(Set(rules).count == rules.count, "one sentence per rule: \(problems)")
        for sentence in problems {
            #expect(sentence.first?.isUppercase == true && sentence.hasSuffix("."), "a sentence: \(sentence)")
        }
    }

    @Test("The common list is loaded: 10,000 lowercase, distinct entries")
    func commonList() {
        let list = PasswordPolicy.commonPasswords
        #expect(list.count == 10_000)
        #expect(list.allSatisfy { $0 == $0.lowercased() && !$0.isEmpty })
        for password in ["123456", "password", "qwerty", "dragon", "qwertyuiop", "iloveyou"] {
            #expect(PasswordPolicy.isCommon(password), "\(password)")
        }
        #expect(PasswordPolicy.isCommon("PASSWORD"))
        #expect(PasswordPolicy.isCommon("QwErTy123456"))
        #expect(!PasswordPolicy.isCommon("correct horse battery staple"))
    }

    @Test("Limits")
    func limits() {
        #expect(PasswordPolicy.minimumLength == 12)
        #expect(PasswordPolicy.maximumBytes == 72)
    }
}
