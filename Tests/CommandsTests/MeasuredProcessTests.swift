import Foundation
import Testing
import BenchmarkSupport

/// The peak memory the benchmarks and the memory-bounded tests read of a child process is the
/// child's own, whatever its parent (a benchmark, or the test runner) holds when it forks.
@Suite struct MeasuredProcessTests {
    @Test func aChildIsMeasuredByItsOwnPeakNotWhatItsForkCopied() throws {
        // 300 MB touched in this process and held across the forks below.
        let size = 300 << 20
        let held = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 4096)
        defer { held.deallocate() }
        held.initializeMemory(as: UInt8.self, repeating: 1, count: size)

        let small = try measure(["/bin/sleep", "0.3"])
        #expect(small.status == 0)
        #expect(small.peakKilobytes < 50_000, "\(small.peakKilobytes) KB")

        // A shell holding 100 MB of text while its last command runs.
        let large = try measure(["/bin/bash", "-c", "x=$(head -c 100000000 /dev/zero | tr '\\0' a); sleep 0.2; echo ${#x}"])
        #expect(large.status == 0)
        #expect(String(decoding: large.output, as: UTF8.self) == "100000000\n")
        #expect(large.peakKilobytes > 97_000, "\(large.peakKilobytes) KB")
        #expect(large.peakKilobytes < 300 << 10, "\(large.peakKilobytes) KB")
        _ = held.load(as: UInt8.self)
    }

    @Test func aProgramThatCannotStartIsAnError() throws {
        #expect(throws: (any Error).self) { try measure(["/nonexistent/program"]) }
        let failed = try measure(["/bin/bash", "-c", "exit 3"])
        #expect(failed.status == 3)
    }
}
