import ArgumentParser
import Foundation
import DatasetCore
import Pipeline
import Release
import ReviewStore

extension BuildDataset {
    struct Release: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Publish the last built release candidate as a version.",
            discussion: """
            Checks the candidate in build/<pipeline>/release/ against its manifest, compares it with \
            the latest published version, and copies it to releases/<name>/<version>/ with the version \
            in its manifest and a CHANGELOG.md entry. A removed item or a changed answer needs a new \
            major version; added items, or changed questions or labels, a new minor one; anything \
            else a patch. The version directory appears whole or not at all, and a version that \
            exists is never overwritten.
            """
        )

        @OptionGroup var options: PipelineOptions

        @Option(help: "The version to publish, as MAJOR.MINOR.PATCH (e.g. 1.0.0).")
        var version: String

        @Option(help: ArgumentHelp("Publish although the version step is smaller than the changes need; the reason is recorded in the changelog.", valueName: "reason"))
        var allow: String?

        func run() async throws {
            let (spec, layout) = try options.loadLayout()
            do {
                // The audit log's head goes into the manifest, so that a later rewrite of the
                // review history up to this release shows (`review audit --verify --against`).
                let head = FileManager.default.fileExists(atPath: layout.reviewDatabase.path)
                    ? try ReviewStore(url: layout.reviewDatabase).auditChainHead()?.description : nil
                let target = try ReleaseWriter.publish(candidate: layout.candidateDirectory, releasesRoot: layout.releasesRoot,
                                                       version: version, allowReason: allow, description: spec.description ?? "",
                                                       reviewAuditHead: head)
                print("published \(spec.releaseName) \(version): \(layout.relative(target))/")
            } catch {
                throw reportAndExit(error)
            }
        }
    }
}
