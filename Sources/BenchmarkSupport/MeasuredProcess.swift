public import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What one child process took: wall time, processor time (user and system) and peak memory,
/// from `wait4`, which reports the child's own figures (getrusage's RUSAGE_CHILDREN keeps the
/// largest of all children). The child is started with fork and exec, not posix_spawn: Linux
/// starts the peak of a child spawned on the parent's memory (vfork) from the parent's own peak,
/// and of a forked child from what the parent holds at the fork.
public struct MeasuredRun: Sendable {
    public var status: Int32
    public var seconds: Double
    public var cpuSeconds: Double
    public var peakKilobytes: Int
    /// What it wrote to standard output.
    public var output: Data
    /// What it wrote to standard error, when asked to keep it.
    public var errors: Data?
}

/// Runs `arguments[0]` (a path) with the rest as arguments, in `directory` if given; standard
/// error passes through unless `keepErrors`.
public func measure(_ arguments: [String], in directory: URL? = nil, keepErrors: Bool = false) throws -> MeasuredRun {
    let outputFile = FileManager.default.temporaryDirectory.appendingPathComponent("measured-\(UUID().uuidString)")
    let errorFile = outputFile.appendingPathExtension("stderr")
    defer {
        try? FileManager.default.removeItem(at: outputFile)
        try? FileManager.default.removeItem(at: errorFile)
    }
    guard FileManager.default.isExecutableFile(atPath: arguments[0]) else {
        throw NSError(domain: "measure", code: 1, userInfo: [NSLocalizedDescriptionKey: "cannot start \(arguments[0]): not an executable file"])
    }
    // Everything the child needs is made before the fork: after it, only exec and the calls
    // around it, which are safe in a copy of a threaded process.
    let argv = arguments.map { strdup($0) } + [nil]
    let outputPath = strdup(outputFile.path)
    let errorPath = keepErrors ? strdup(errorFile.path) : nil
    let directoryPath = directory.map { strdup($0.path) } ?? nil
    defer { for pointer in argv { free(pointer) }; free(outputPath); free(errorPath); free(directoryPath) }
    let start = DispatchTime.now()
    let pid = fork()
    if pid == 0 {
        let descriptor = open(outputPath!, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        if descriptor >= 0 { dup2(descriptor, 1); close(descriptor) }
        if let errorPath {
            let errors = open(errorPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
            if errors >= 0 { dup2(errors, 2); close(errors) }
        }
        if let directoryPath, chdir(directoryPath) != 0 { _exit(126) }
        execve(argv[0]!, argv, environ)
        _exit(127)
    }
    guard pid > 0 else {
        throw NSError(domain: "measure", code: Int(errno), userInfo: [NSLocalizedDescriptionKey: "cannot start \(arguments[0]): \(String(cString: strerror(errno)))"])
    }
    var status: Int32 = 0
    var usage = rusage()
    while wait4(pid, &status, 0, &usage) == -1, errno == EINTR {}
    let seconds = seconds(since: start)
    func time(_ value: timeval) -> Double { Double(value.tv_sec) + Double(value.tv_usec) / 1e6 }
    // WEXITSTATUS, which Swift does not import.
    let exit = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
    return MeasuredRun(status: exit, seconds: seconds, cpuSeconds: time(usage.ru_utime) + time(usage.ru_stime),
                       peakKilobytes: usage.ru_maxrss, output: (try? Data(contentsOf: outputFile)) ?? Data(),
                       errors: keepErrors ? (try? Data(contentsOf: errorFile)) ?? Data() : nil)
}
