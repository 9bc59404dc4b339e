public import Foundation
public import SchemaCore

/// The Prisma fragment on disk (`ROOT/prisma/generated-from-packages.prisma` by default), kept in
/// step with the registry by fingerprint rather than by remembering what the last run did.
///
/// A process killed after its apply committed but before it wrote the fragment, or a container
/// started from an image built before the last change, leaves a fragment that no longer matches
/// the database. Every `apply` therefore compares fingerprints and rewrites a stale fragment, which
/// costs one small query when the fragment is current (the registry keeps an ``AppliedDigest``).
public struct FragmentFile: Sendable {
    /// Where the fragment is written.
    public var url: URL
    /// The host's base schema, whose text is part of the fingerprint.
    public var baseSchemaURL: URL
    /// Where to keep the merged schema (base schema, back-relation fields, package models) in
    /// step as well, by the same fingerprint; nil keeps none.
    public var mergedURL: URL?
    /// `packageSchema` of schema.config.json: the schema the package models say under a
    /// multi-schema host (``PrismaSchema/packageSchema``); part of the fingerprint when set.
    public var packageSchema: String?

    /// A fragment at `url` for the base schema at `baseSchemaURL`, and a merged schema at `mergedURL` when given.
    public init(url: URL, baseSchemaURL: URL, mergedURL: URL? = nil, packageSchema: String? = nil) {
        self.url = url
        self.baseSchemaURL = baseSchemaURL
        self.mergedURL = mergedURL
        self.packageSchema = packageSchema
    }

    /// The default fragment of a workspace: `root/prisma/generated-from-packages.prisma`, with the
    /// base schema at `base` or where Prisma looks (``WorkspaceLoader/defaultBaseSchema()``: a
    /// config's path, `prisma/schema.prisma`, the folder `prisma/schema/`), and a merged schema
    /// at `merged` when given.
    public static func inWorkspace(root: URL, base: URL?, merged: URL? = nil) -> FragmentFile {
        let loader = WorkspaceLoader(root: root)
        return FragmentFile(url: root.appendingPathComponent("prisma/generated-from-packages.prisma"),
                            baseSchemaURL: base ?? loader.defaultBaseSchema() ?? root.appendingPathComponent("prisma/schema.prisma"), mergedURL: merged,
                            packageSchema: loader.packageSchema())
    }

    /// The host's base schema as one text: the file, or a schema folder's files joined
    /// (``PrismaSchema/folderText(_:)``); nil when there is none to read.
    public func baseText() -> String? {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: baseSchemaURL.path, isDirectory: &isFolder) else { return nil }
        return isFolder.boolValue ? PrismaSchema.folderText(baseSchemaURL) : try? String(contentsOf: baseSchemaURL, encoding: .utf8)
    }

    /// What a refresh wrote.
    public struct Written: Hashable, Sendable {
        /// The fragment.
        public var url: URL
        /// The merged schema, when one is kept.
        public var merged: URL?
        /// How many models it holds.
        public var models: Int
    }

    /// Rewrites the fragment (and the merged schema, when kept) when it is missing or its
    /// fingerprint differs from the registry's. The snapshots it is rendered from are verified
    /// first (``Registry/appliedEntities(trustedKeys:)``). When both files are current this costs
    /// one query and the first few kilobytes of each file: no entity is read or rendered.
    ///
    /// - Returns: what was written, or nil when everything was already up to date.
    /// - Throws: `usage` when a merged schema is asked for without a readable base schema.
    public func refresh(from registry: Registry, trustedKeys: [TrustedKey]? = nil) throws -> Written? {
        let baseText = baseText()
        if mergedURL != nil, baseText == nil {
            throw SchemaError(.usage, "a merged schema needs the host's base schema, and \(baseSchemaURL.path) cannot be read")
        }
        let current = PrismaArtifacts.fingerprint(applied: try registry.appliedDigest(), baseSchemaText: fingerprinted(baseText))
        let stale = ([url] + (mergedURL.map { [$0] } ?? [])).filter { file in
            Self.header(of: file).flatMap(PrismaArtifacts.recordedFingerprint(in:)) != current
        }
        guard !stale.isEmpty else { return nil }
        return try write(try registry.appliedEntitiesCorrectingDigest(trustedKeys: trustedKeys), baseText: baseText)
    }

    /// The fingerprint of the files rendered from `applied` and the base schema `baseText`.
    func fingerprint(of applied: [AppliedEntity], baseText: String?) -> String {
        PrismaArtifacts.fingerprint(applied: AppliedDigest(applied), baseSchemaText: fingerprinted(baseText))
    }

    /// The base schema's text with the package schema, when one is set: a new setting makes the
    /// files stale (without it, the fingerprints stay what they were).
    func fingerprinted(_ baseText: String?) -> String? {
        guard let packageSchema else { return baseText }
        return (baseText ?? "") + "\n// packageSchema: " + packageSchema
    }

    /// The first few lines of the file, where the fingerprint is: the restart path reads no more.
    static func header(of url: URL) -> String? {
        guard let handle = try? FileHandle(forReadingFrom: url) else { return nil }
        defer { try? handle.close() }
        return (try? handle.read(upToCount: 4096)).map { String(decoding: $0, as: UTF8.self) }
    }

    /// Renders and writes the fragment of `applied` (and the merged schema, when kept), each with its fingerprint.
    @discardableResult
    public func write(_ applied: [AppliedEntity], baseText: String?) throws -> Written {
        let host = parseHost(baseText)
        let fingerprint = fingerprint(of: applied, baseText: baseText)
        let entities = applied.map(\.structure)
        try TextFile.write(PrismaArtifacts.fragment(entities, host: host, fingerprint: fingerprint), to: url)
        let merged = try writeMerged(entities, baseText: baseText, host: host, fingerprint: fingerprint)
        return Written(url: url, merged: merged, models: entities.filter { !$0.isJoinTable }.count)
    }

    /// Writes only the merged schema, when one is kept and the base schema was read (`generate
    /// --out -` prints the fragment instead of writing it).
    ///
    /// - Returns: the merged schema's location, or nil when none was written.
    @discardableResult
    public func writeMerged(_ applied: [AppliedEntity], baseText: String?) throws -> URL? {
        try writeMerged(applied.map(\.structure), baseText: baseText, host: parseHost(baseText), fingerprint: fingerprint(of: applied, baseText: baseText))
    }

    func writeMerged(_ entities: [CanonicalEntity], baseText: String?, host: PrismaSchema?, fingerprint: String) throws -> URL? {
        guard let mergedURL, let baseText, let host else { return nil }
        try TextFile.write(PrismaArtifacts.merged(baseText: baseText, host: host, entities: entities, fingerprint: fingerprint), to: mergedURL)
        return mergedURL
    }

    /// The host schema parsed from `baseText` (the base schema file's text), named as that file.
    public func parseHost(_ baseText: String?) -> PrismaSchema? {
        baseText.map { text in
            var host = PrismaSchemaParser.parse(text, file: baseSchemaURL.lastPathComponent).schema
            if let packageSchema, !host.schemas.isEmpty { host.packageSchema = packageSchema }
            return host
        }
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
