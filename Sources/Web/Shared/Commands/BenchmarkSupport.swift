import Foundation

extension Duration {
    /// The duration in seconds, for printed figures.
    var inSeconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

enum ProcessMemory {
    /// A process's peak resident memory (VmHWM) in kB, from /proc; this process when `pid` is nil.
    static func peakKB(pid: Int32? = nil) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/\(pid.map(String.init) ?? "self")/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") })
        else { return 0 }
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
    }
}
