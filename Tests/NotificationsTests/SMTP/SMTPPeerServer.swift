import Foundation
import Testing
import TestSupport

/// Why the real SMTP peer could not be started (missing python/aiosmtpd, crash, no port).
struct SMTPPeerSetupError: Error, CustomStringConvertible {
    let description: String
}

/// One message as recorded by Peers/smtp_server.py.
struct ReceivedMail: Decodable, Sendable {
    struct Parsed: Decodable, Sendable {
        var subject: String
        var from: String
        var to: String
        var message_id: String
        var date: String
        var mime_version: String
        var content_type: String
        var headers: [String: String]
        var defects: [String]
        var text: String?
        var html: String?
    }

    var mail_from: String
    var rcpt_tos: [String]
    var tls: Bool
    var authenticated: Bool
    var login: String?
    var helo: String?
    var raw: String
    var raw_base64: String
    var parsed: Parsed

    /// The raw message bytes exactly as the server stored them (after dot-unstuffing).
    var rawBytes: [UInt8] { Array(Data(base64Encoded: raw_base64) ?? Data()) }
}

/// A real aiosmtpd server (Peers/smtp_server.py) on 127.0.0.1, run with Foundation `Process`.
///
/// Python comes from `MEGHNA_PEER_PYTHON`, else `<package root>/.venv-peers/bin/python`.
/// Call `stop()` when done (tests use `defer`); the script also exits when its stdin closes,
/// so a crashed test run does not leave it behind.
final class SMTPPeerServer {
    let port: Int
    let outputDirectory: URL
    private let process: Process
    private let stdinPipe: Pipe
    private let stderrURL: URL

    private init(port: Int, outputDirectory: URL, process: Process, stdinPipe: Pipe, stderrURL: URL) {
        self.port = port
        self.outputDirectory = outputDirectory
        self.process = process
        self.stdinPipe = stdinPipe
        self.stderrURL = stderrURL
    }

    static var scriptURL: URL {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()
            .deletingLastPathComponent()
            .appendingPathComponent("Peers")
            .appendingPathComponent("smtp_server.py")
    }

    static var pythonPath: String { peerPython }

    static let installHint =
        "Create it with: python3 -m venv .venv-peers && .venv-peers/bin/pip install aiosmtpd pyotp "
        + "(in the package root), or point MEGHNA_PEER_PYTHON at a python that has aiosmtpd."

    /// Starts the server with the given smtp_server.py options and waits until it prints its port.
    static func start(_ options: [String] = [], readyTimeout: TimeInterval = 30) async throws -> SMTPPeerServer {
        let python = pythonPath
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw SMTPPeerSetupError(description: "SMTP peer: no python at \(python). \(installHint)")
        }
        let fileManager = FileManager.default
        let base = fileManager.temporaryDirectory.appendingPathComponent("meghna-smtp-\(UUID().uuidString)")
        let outputDirectory = base.appendingPathComponent("mail")
        try fileManager.createDirectory(at: outputDirectory, withIntermediateDirectories: true)
        let stderrURL = base.appendingPathComponent("stderr.txt")
        _ = fileManager.createFile(atPath: stderrURL.path, contents: nil)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-u", scriptURL.path, outputDirectory.path] + options
        let stdinPipe = Pipe()
        let stdoutPipe = Pipe()
        process.standardInput = stdinPipe
        process.standardOutput = stdoutPipe
        process.standardError = try FileHandle(forWritingTo: stderrURL)
        try process.run()

        let reader = stdoutPipe.fileHandleForReading
        let watchdog = DispatchWorkItem { [process] in
            if process.isRunning { process.terminate() }
        }
        DispatchQueue.global().asyncAfter(deadline: .now() + readyTimeout, execute: watchdog)
        let firstLine: String? = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                var bytes: [UInt8] = []
                while true {
                    let chunk = reader.availableData
                    if chunk.isEmpty { break }
                    bytes.append(contentsOf: chunk)
                    if bytes.contains(UInt8(ascii: "\n")) { break }
                }
                let line = String(decoding: bytes, as: UTF8.self)
                    .split(separator: "\n", omittingEmptySubsequences: true).first.map(String.init)
                continuation.resume(returning: line)
            }
        }
        watchdog.cancel()

        guard let firstLine, let port = Int(firstLine.trimmingCharacters(in: .whitespaces)) else {
            if process.isRunning { process.terminate() }
            process.waitUntilExit()
            let stderr = (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? ""
            var message = "SMTP peer (\(python) \(scriptURL.lastPathComponent) \(options.joined(separator: " "))) did not start"
            message += " (exit status \(process.terminationStatus))."
            if process.terminationStatus == 3 || stderr.contains("aiosmtpd is not installed") {
                message += " aiosmtpd is missing. \(installHint)"
            }
            if !stderr.isEmpty { message += "\nstderr:\n\(stderr)" }
            try? fileManager.removeItem(at: base)
            throw SMTPPeerSetupError(description: message)
        }
        return SMTPPeerServer(
            port: port, outputDirectory: outputDirectory, process: process, stdinPipe: stdinPipe, stderrURL: stderrURL
        )
    }

    /// Messages received so far, in arrival order.
    func receivedMessages() throws -> [ReceivedMail] {
        let names = try FileManager.default.contentsOfDirectory(atPath: outputDirectory.path)
            .filter { $0.hasPrefix("message-") && $0.hasSuffix(".json") }
            .sorted()
        return try names.map { name in
            let data = try Data(contentsOf: outputDirectory.appendingPathComponent(name))
            return try JSONDecoder().decode(ReceivedMail.self, from: data)
        }
    }

    var stderrText: String { (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? "" }

    /// Terminates the server, waits for it, and removes its files.
    func stop() {
        if process.isRunning { process.terminate() }
        try? stdinPipe.fileHandleForWriting.close()
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: outputDirectory.deletingLastPathComponent())
    }
}
