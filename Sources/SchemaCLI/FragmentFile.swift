import Foundation
import SchemaCore
import SchemaRegistry

/// The Prisma fragment on disk (`ROOT/prisma/generated-from-packages.prisma` by default), kept in
/// step with the registry by fingerprint rather than by remembering what the last run did.
///
/// A process killed after its apply committed but before it wrote the fragment, or a container
/// started from an image built before the last change, leaves a fragment that no longer matches
/// the database. Every `apply` therefore compares fingerprints and rewrites a stale fragment, which
/// costs one small query when the fragment is current.
struct FragmentFile {
    /// Where the fragment is written.
    var url: URL
    /// The host's base schema, whose text is part of the fingerprint.
    var baseSchemaURL: URL

    init(options: GlobalOptions, out: String? = nil) {
        url = out.map { URL(fileURLWithPath: $0).standardizedFileURL }
            ?? options.rootURL.appendingPathComponent("prisma/generated-from-packages.prisma")
        baseSchemaURL = options.base.map { URL(fileURLWithPath: $0).standardizedFileURL }
            ?? options.rootURL.appendingPathComponent("prisma/schema.prisma")
    }

    /// Rewrites the fragment when it is missing or its fingerprint differs from the registry's.
    ///
    /// - Returns: the number of models written, or nil when the fragment was already up to date.
    func refresh(from registry: Registry) throws -> Int? {
        let baseText = try? String(contentsOf: baseSchemaURL, encoding: .utf8)
        let current = PrismaArtifacts.fingerprint(checksums: try registry.appliedChecksums(), baseSchemaText: baseText)
        if let header = Self.header(of: url), PrismaArtifacts.recordedFingerprint(in: header) == current {
            return nil
        }
        return try write(try registry.appliedEntities(), baseText: baseText)
    }

    /// The first few lines of the file, where the fingerprint is: the restart path reads no more.
    static func header(of url: URL) -> String? {
        guard let handle = try? FileHandle(forReadingFrom: url) else { return nil }
        defer { try? handle.close() }
        return (try? handle.read(upToCount: 4096)).map { String(decoding: $0, as: UTF8.self) }
    }

    /// Renders and writes the fragment of `applied`, with its fingerprint.
    ///
    /// - Returns: the number of models written.
    @discardableResult
    func write(_ applied: [AppliedEntity], baseText: String?) throws -> Int {
        let host = baseText.map { PrismaSchemaParser.parse($0, file: baseSchemaURL.lastPathComponent).schema }
        let checksums = Dictionary(applied.map { ($0.structure.name, $0.checksum.hex) }, uniquingKeysWith: { first, _ in first })
        let fingerprint = PrismaArtifacts.fingerprint(checksums: checksums, baseSchemaText: baseText)
        try writeText(PrismaArtifacts.fragment(applied.map(\.structure), host: host, fingerprint: fingerprint), to: url)
        return applied.count
    }
}
