public import Foundation


/// A figure of this process's memory from /proc/self/status, in kilobytes.
func statusKilobytes(_ key: String) -> Int {
    let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
    let line = status.split(separator: "\n").first { $0.hasPrefix(key + ":") } ?? ""
    return Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0
}

/// This process's peak resident set (VmHWM): unlike getrusage's ru_maxrss, it starts afresh at exec.
public func peakResidentKilobytes() -> Int { statusKilobytes("VmHWM") }

/// This process's resident set now (VmRSS).
public func residentKilobytes() -> Int { statusKilobytes("VmRSS") }

public func seconds(since start: DispatchTime) -> Double {
    Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
}
