public import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What one child process took: wall time, processor time (user and system) and peak memory,
/// from `wait4`, which reports the child's own figures (getrusage's RUSAGE_CHILDREN keeps the
/// largest of all children).
public struct MeasuredRun: Sendable {
    public var status: Int32
    public var seconds: Double
    public var cpuSeconds: Double
    public var peakKilobytes: Int
    /// What it wrote to standard output.
    public var output: Data
}

/// Runs `arguments[0]` (a path) with the rest as arguments; standard error passes through.
public func measure(_ arguments: [String]) throws -> MeasuredRun {
    let outputFile = FileManager.default.temporaryDirectory.appendingPathComponent("measured-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: outputFile) }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 1, outputFile.path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    let argv = arguments.map { strdup($0) } + [nil]
    defer { for pointer in argv { free(pointer) } }
    let start = DispatchTime.now()
    var pid: pid_t = 0
    let spawned = posix_spawn(&pid, arguments[0], &actions, nil, argv, environ)
    guard spawned == 0 else {
        throw NSError(domain: "measure", code: Int(spawned), userInfo: [NSLocalizedDescriptionKey: "cannot start \(arguments[0]): \(String(cString: strerror(spawned)))"])
    }
    var status: Int32 = 0
    var usage = rusage()
    while wait4(pid, &status, 0, &usage) == -1, errno == EINTR {}
    let seconds = seconds(since: start)
    func time(_ value: timeval) -> Double { Double(value.tv_sec) + Double(value.tv_usec) / 1e6 }
    // WEXITSTATUS, which Swift does not import.
    let exit = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
    return MeasuredRun(status: exit, seconds: seconds, cpuSeconds: time(usage.ru_utime) + time(usage.ru_stime),
                       peakKilobytes: usage.ru_maxrss, output: (try? Data(contentsOf: outputFile)) ?? Data())
}
