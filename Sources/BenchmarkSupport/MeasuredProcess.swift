public import Foundation
import CSystemShims
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// What one child process took: wall time, processor time (user and system) and peak memory.
/// Time comes from `wait4`, which reports the child's own figures (getrusage's RUSAGE_CHILDREN
/// keeps the largest of all children). The child is started with fork and exec, not
/// posix_spawn: Linux starts the peak `wait4` gives of a child spawned on the parent's memory
/// (vfork) from the parent's own peak. A forked child's starts from what the fork copied, so
/// where that figure is no larger than the parent's peak, the peak is instead the child's own
/// high-water mark (`VmHWM`), read every few milliseconds from its exec to its exit (what its own
/// children took is then not counted).
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
    var execPipe: [Int32] = [-1, -1]
    guard csys_pipe_closed_on_exec(&execPipe) == 0 else {
        throw NSError(domain: "measure", code: Int(errno), userInfo: [NSLocalizedDescriptionKey: "cannot start \(arguments[0]): \(String(cString: strerror(errno)))"])
    }
    let start = DispatchTime.now()
    let pid = fork()
    if pid == 0 {
        close(execPipe[0])
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
    close(execPipe[1])
    guard pid > 0 else {
        close(execPipe[0])
        throw NSError(domain: "measure", code: Int(errno), userInfo: [NSLocalizedDescriptionKey: "cannot start \(arguments[0]): \(String(cString: strerror(errno)))"])
    }
    // The pipe's end closes when the child execs (or exits): only then is its memory its own.
    var byte: UInt8 = 0
    while read(execPipe[0], &byte, 1) == -1, errno == EINTR {}
    close(execPipe[0])
    let sampler = HighWaterSampler(pid: pid)
    // Waited for without reaping first, so that no later read of the sampler's finds another
    // process under the same number.
    var exited = siginfo_t()
    while waitid(P_PID, id_t(pid), &exited, WEXITED | WNOWAIT) == -1, errno == EINTR {}
    let seconds = seconds(since: start)
    let sampledPeak = sampler.stop()
    // Read after the run, so that it covers whatever other threads here grew to before the fork.
    let parentPeak = highWaterKilobytes(of: "self") ?? 0
    var status: Int32 = 0
    var usage = rusage()
    while wait4(pid, &status, 0, &usage) == -1, errno == EINTR {}
    func time(_ value: timeval) -> Double { Double(value.tv_sec) + Double(value.tv_usec) / 1e6 }
    // WEXITSTATUS, which Swift does not import.
    let exit = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
    return MeasuredRun(status: exit, seconds: seconds, cpuSeconds: time(usage.ru_utime) + time(usage.ru_stime),
                       peakKilobytes: usage.ru_maxrss > parentPeak ? usage.ru_maxrss : sampledPeak ?? usage.ru_maxrss, output: (try? Data(contentsOf: outputFile)) ?? Data(),
                       errors: keepErrors ? (try? Data(contentsOf: errorFile)) ?? Data() : nil)
}

/// A process's peak resident memory (`VmHWM` in /proc/<process>/status), or nil where there is
/// none to read (an exited process, or a system without /proc).
func highWaterKilobytes(of process: String) -> Int? {
    guard let status = try? String(contentsOfFile: "/proc/\(process)/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }) else { return nil }
    return Int(line.dropFirst("VmHWM:".count).split(whereSeparator: { $0 == " " || $0 == "\t" }).first ?? "")
}

/// Reads a child's peak every few milliseconds on a thread of its own until stopped. The peak
/// is a high-water mark, so a read misses only what the child grew after the last one.
private final class HighWaterSampler: Sendable {
    private let state = Mutex<(stopped: Bool, peak: Int?)>((false, nil))
    private let finished = DispatchSemaphore(value: 0)

    init(pid: pid_t) {
        Thread.detachNewThread { [self] in
            while true {
                let peak = highWaterKilobytes(of: String(pid))
                let stopped = state.withLock { state in
                    if let peak { state.peak = max(state.peak ?? 0, peak) }
                    return state.stopped
                }
                if stopped { break }
                usleep(5_000)
            }
            finished.signal()
        }
    }

    /// The largest peak read.
    func stop() -> Int? {
        state.withLock { $0.stopped = true }
        finished.wait()
        return state.withLock { $0.peak }
    }
}
