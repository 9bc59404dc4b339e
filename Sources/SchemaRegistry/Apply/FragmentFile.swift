public import Foundation
public import SchemaCore

/// The Prisma fragment on disk (`ROOT/prisma/generated-from-packages.prisma` by default), kept in
/// step with the registry by fingerprint rather than by remembering what the last run did.
///
/// A process killed after its apply committed but before it wrote the fragment, or a container
/// started from an image built before the last change, leaves a fragment that no longer matches
/// the database. Every `apply` therefore compares fingerprints and rewrites a stale fragment, which
/// costs one small query when the fragment is current.
public struct FragmentFile: Sendable {
    /// Where the fragment is written.
    public var url: URL
    /// The host's base schema, whose text is part of the fingerprint.
    public var baseSchemaURL: URL

    /// A fragment at `url` for the base schema at `baseSchemaURL`.
    public init(url: URL, baseSchemaURL: URL) {
        self.url = url
        self.baseSchemaURL = baseSchemaURL
    }

    /// The default fragment of a workspace: `root/prisma/generated-from-packages.prisma`, with the
    /// base schema at `base` or `root/prisma/schema.prisma`.
    public static func inWorkspace(root: URL, base: URL?) -> FragmentFile {
        FragmentFile(url: root.appendingPathComponent("prisma/generated-from-packages.prisma"),
                     baseSchemaURL: base ?? root.appendingPathComponent("prisma/schema.prisma"))
    }

    /// What a refresh wrote.
    public struct Written: Hashable, Sendable {
        /// The file.
        public var url: URL
        /// How many models it holds.
        public var models: Int
    }

    /// Rewrites the fragment when it is missing or its fingerprint differs from the registry's.
    /// The snapshots it is rendered from are verified first (``Registry/appliedEntities(trustedKeys:)``).
    ///
    /// - Returns: what was written, or nil when the fragment was already up to date.
    public func refresh(from registry: Registry, trustedKeys: [TrustedKey]? = nil) throws -> Written? {
        let baseText = try? String(contentsOf: baseSchemaURL, encoding: .utf8)
        let current = PrismaArtifacts.fingerprint(checksums: try registry.appliedChecksums(), baseSchemaText: baseText)
        if let header = Self.header(of: url), PrismaArtifacts.recordedFingerprint(in: header) == current {
            return nil
        }
        return try write(try registry.appliedEntities(trustedKeys: trustedKeys), baseText: baseText)
    }

    /// The first few lines of the file, where the fingerprint is: the restart path reads no more.
    static func header(of url: URL) -> String? {
        guard let handle = try? FileHandle(forReadingFrom: url) else { return nil }
        defer { try? handle.close() }
        return (try? handle.read(upToCount: 4096)).map { String(decoding: $0, as: UTF8.self) }
    }

    /// Renders and writes the fragment of `applied`, with its fingerprint.
    @discardableResult
    public func write(_ applied: [AppliedEntity], baseText: String?) throws -> Written {
        let host = baseText.map { PrismaSchemaParser.parse($0, file: baseSchemaURL.lastPathComponent).schema }
        let checksums = Dictionary(applied.map { ($0.structure.name, $0.checksum.hex) }, uniquingKeysWith: { first, _ in first })
        let fingerprint = PrismaArtifacts.fingerprint(checksums: checksums, baseSchemaText: baseText)
        try TextFile.write(PrismaArtifacts.fragment(applied.map(\.structure), host: host, fingerprint: fingerprint), to: url)
        return Written(url: url, models: applied.count)
    }
}

/// Writing generated text files.
public enum TextFile {
    /// Writes `text` to `url` atomically, creating its folder.
    public static func write(_ text: String, to url: URL) throws {
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
        } catch {
            throw SchemaError(.fileSystem, "cannot write \(url.path): \((error as NSError).localizedDescription)")
        }
    }
}
