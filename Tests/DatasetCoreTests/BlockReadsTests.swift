import Foundation
import Testing
@testable import DatasetCore

@Suite struct BlockReadsTests {
    @Test func aFileIsReadInWholeBlocksUntilItsEnd() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("blocks-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: url) }
        let bytes = Data((0..<(3 << 20) + 17).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        try bytes.write(to: url)
        let handle = try FileHandle(forReadingFrom: url)
        defer { try? handle.close() }
        var blocks: [Data] = []
        while true {
            let block = try handle.readBlock(upToCount: 1 << 20, file: "blocks")
            if block.isEmpty { break }
            blocks.append(block)
        }
        #expect(blocks.map(\.count) == [1 << 20, 1 << 20, 1 << 20, 17])
        #expect(blocks.reduce(Data(), +) == bytes)
    }

    /// A pipe gives what has arrived so far; a block waits for the rest.
    @Test func aBlockIsFilledFromPiecesThatArriveApart() throws {
        let pipe = Pipe()
        let piece = Data(repeating: 0x61, count: 1_000)
        let writer = Thread {
            for index in 0..<200 {
                pipe.fileHandleForWriting.write(piece)
                if index % 50 == 0 { usleep(2_000) }
            }
            try? pipe.fileHandleForWriting.close()
        }
        writer.start()
        let block = try pipe.fileHandleForReading.readBlock(upToCount: 200_000, file: "pipe")
        #expect(block.count == 200_000)
        #expect(try pipe.fileHandleForReading.readBlock(upToCount: 10, file: "pipe").isEmpty)
    }

    @Test func aFailedReadThrowsInsteadOfEndingTheFile() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("blocks-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let handle = try FileHandle(forReadingFrom: directory)
        defer { try? handle.close() }
        let error = #expect(throws: InputError.self) { try handle.readBlock(upToCount: 4_096, file: directory.path) }
        #expect(error?.description == "\(directory.path): cannot read: Is a directory", "\(String(describing: error))")
    }
}
