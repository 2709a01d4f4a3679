import Foundation
import Testing
import TestSupport
@testable import Platform

/// Cross-checks TOTP against Python's pyotp, an independent implementation.
///
/// The peer Python is `$MEGHNA_PEER_PYTHON`, else `<package root>/.venv-peers/bin/python`.
/// Set it up with: `python3 -m venv .venv-peers && .venv-peers/bin/pip install pyotp`.
/// A missing peer fails the test: it never silently skips.
@Suite("TOTP against pyotp")
struct TOTPPeerTests {
    static let script = #"""
    import json, sys, hashlib
    try:
        import pyotp
    except ImportError as error:
        print("pyotp is not importable: %s" % error, file=sys.stderr)
        sys.exit(3)
    digests = {"SHA1": hashlib.sha1, "SHA256": hashlib.sha256, "SHA512": hashlib.sha512}
    results = []
    for case in json.load(sys.stdin):
        totp = pyotp.TOTP(case["secret"], digits=case["digits"], interval=case["period"],
                          digest=digests[case["algorithm"]])
        parsed = pyotp.parse_uri(case["uri"])
        results.append({
            "code": totp.at(case["time"]),
            "parsedCode": parsed.at(case["time"]),
            "secret": parsed.secret,
            "issuer": parsed.issuer,
            "name": parsed.name,
            "digits": parsed.digits,
            "period": parsed.interval,
            "algorithm": parsed.digest().name.upper(),
        })
    json.dump(results, sys.stdout)
    """#

    struct Case: Codable {
        let secret: String
        let digits: Int
        let period: Int
        let algorithm: String
        let time: Int
        let uri: String
        let issuer: String
        let account: String
        let expected: String
    }

    struct Result: Codable {
        let code: String
        let parsedCode: String
        let secret: String
        let issuer: String?
        let name: String?
        let digits: Int
        let period: Int
        let algorithm: String
    }

    @Test("pyotp computes the same codes and parses our provisioning URIs")
    func matchesPyotp() throws {
        let python = peerPython
        guard FileManager.default.isExecutableFile(atPath: python) else {
            Issue.record("""
                The pyotp peer is missing: no executable Python at \(python). \
                Create it with `python3 -m venv .venv-peers && .venv-peers/bin/pip install pyotp` \
                in the package root, or set MEGHNA_PEER_PYTHON to a Python that has pyotp.
                """)
            return
        }

        let identities: [(issuer: String, account: String)] = [
            ("Meghna", "admin@example.com"),
            ("Meghna ISP & Co: Dhaka", "রহিম+billing@example.com"),
            ("Acme/Net", "user name?x=1#frag"),
        ]
        let times = [59, 1_111_111_109, 1_700_000_000, 2_000_000_000, 20_000_000_000]
        var cases: [Case] = []
        var index = 0
        for algorithm in [TOTP.Algorithm.sha1, .sha256, .sha512] {
            for digits in [6, 8] {
                for period in [30, 60] {
                    let totp = TOTP(secret: TOTP.generateSecret(), digits: digits, period: period, algorithm: algorithm)
                    let identity = identities[index % identities.count]
                    let time = times[index % times.count]
                    index += 1
                    cases.append(Case(
                        secret: Base32.encode(totp.secret),
                        digits: digits,
                        period: period,
                        algorithm: algorithm.rawValue,
                        time: time,
                        uri: totp.provisioningURI(issuer: identity.issuer, account: identity.account),
                        issuer: identity.issuer,
                        account: identity.account,
                        expected: totp.code(at: Date(timeIntervalSince1970: TimeInterval(time)))
                    ))
                }
            }
        }

        let output = try Self.run(python: python, input: JSONEncoder().encode(cases))
        guard let output else { return }
        let results = try JSONDecoder().decode([Result].self, from: output)
        try #require(results.count == cases.count)
        for (testCase, result) in zip(cases, results) {
            #expect(result.code == testCase.expected, "pyotp code for \(testCase.algorithm)/\(testCase.digits) at \(testCase.time)")
            #expect(result.parsedCode == testCase.expected, "code from the parsed URI \(testCase.uri)")
            #expect(result.secret == testCase.secret)
            #expect(result.issuer == testCase.issuer)
            #expect(result.name == testCase.account)
            #expect(result.digits == testCase.digits)
            #expect(result.period == testCase.period)
            #expect(result.algorithm == testCase.algorithm)
        }
    }

    /// Runs the script; records an issue and returns nil when the peer cannot run it.
    static func run(python: String, input: Data) throws -> Data? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", script]
        let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        stdin.fileHandleForWriting.write(input)
        try stdin.fileHandleForWriting.close()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        let errors = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        switch process.terminationStatus {
        case 0:
            return output
        case 3:
            Issue.record("""
                The pyotp peer is missing: \(python) cannot import pyotp (\(errors.trimmingCharacters(in: .whitespacesAndNewlines))). \
                Install it with `\(python) -m pip install pyotp`, or set MEGHNA_PEER_PYTHON to a Python that has pyotp.
                """)
            return nil
        default:
            Issue.record("The pyotp peer exited with status \(process.terminationStatus): \(errors)")
            return nil
        }
    }
}
