public import Foundation

/// Reads a workspace from disk: `packages/*/seed`, `prisma/schema.prisma`, `schema.config.json`.
///
/// This is the only part of loading that touches the file system; everything it reads is handed
/// to the pure parsers.
public struct WorkspaceLoader: Sendable {
    /// The workspace root; packages live in `root/packages`.
    public var root: URL
    /// The base Prisma schema; `root/prisma/schema.prisma` when nil and that file exists.
    public var baseSchemaFile: URL?

    /// Creates a loader.
    public init(root: URL, baseSchemaFile: URL? = nil) {
        self.root = root.standardizedFileURL
        self.baseSchemaFile = baseSchemaFile
    }

    /// Loads every package with a schema, or only `selected` ones (unknown names are diagnostics).
    /// Packages are read and parsed on every core; the result, diagnostics included, is in package
    /// order whatever the number of cores. Each package's suggestions for unknown keys have their
    /// own share of the ``Suggestion/Budget``.
    ///
    /// - Parameter threads: how many threads parse packages (default: one per processor this
    ///   process may use).
    public func load(selected: [String] = [], threads: Int? = nil) -> Workspace {
        let budget = Suggestion.budget ?? Suggestion.Budget()
        return Suggestion.$budget.withValue(budget) { loadWithinBudget(selected: selected, budget: budget, threads: threads ?? Parallel.width) }
    }

    func loadWithinBudget(selected: [String], budget: Suggestion.Budget, threads: Int) -> Workspace {
        var diagnostics: [Diagnostic] = []
        let configuration = loadConfiguration(&diagnostics)
        let baseSchema = placing(loadBaseSchema(&diagnostics), configuration, &diagnostics)
        let packagesDirectory = root.appendingPathComponent("packages")
        let available = packageDirectories(in: packagesDirectory)
        var names = available
        if !selected.isEmpty {
            names = []
            for name in selected {
                if available.contains(name) {
                    names.append(name)
                } else {
                    diagnostics.append(.error(.packageNotFound, "no package '\(YAMLNodeReader.printable(name))' under \(display(packagesDirectory))",
                                              hint: Suggestion.hint(for: name, in: available), at: .start(of: display(packagesDirectory))))
                }
            }
        }
        let loaded = Parallel.map(names, width: threads) { name in
            budget.share { self.loadPackage(named: name, in: packagesDirectory) }
        }
        var packages: [PackageSchema] = []
        for (package, packageDiagnostics) in loaded {
            diagnostics += packageDiagnostics
            if let package { packages.append(package) }
        }
        return Workspace(packages: packages, baseSchema: baseSchema, configuration: configuration, diagnostics: diagnostics)
    }

    /// One package folder: its schema (nil when it has none or an unusable name) and what was wrong.
    func loadPackage(named name: String, in packagesDirectory: URL) -> (PackageSchema?, [Diagnostic]) {
        var diagnostics: [Diagnostic] = []
        guard Self.isUsablePackageName(name) else {
            diagnostics.append(.error(.invalidPackageName, "package folder '\(YAMLNodeReader.printable(name))' is not a usable package name; it is skipped",
                                      hint: "package names start with a letter or digit and contain only letters, digits, '.', '_' and '-'",
                                      at: .start(of: display(packagesDirectory))))
            return (nil, diagnostics)
        }
        // A package folder that is a symbolic link to elsewhere is not part of the workspace.
        let resolved = packagesDirectory.appendingPathComponent(name).resolvingSymlinksInPath().path
        guard resolved.hasPrefix(packagesDirectory.resolvingSymlinksInPath().path + "/") else {
            diagnostics.append(.error(.metadataPathEscapes, "package folder '\(name)' resolves outside packages/ through a symbolic link; it is skipped",
                                      hint: "copy the package into packages/<name>/ instead of linking to it", at: .start(of: display(packagesDirectory))))
            return (nil, diagnostics)
        }
        let package = loadPackage(name, in: packagesDirectory, diagnostics: &diagnostics)
        return (package, diagnostics)
    }

    /// Whether a folder name can be a package id: it is printed, stored and used in paths, so it
    /// holds no control characters, spaces or path syntax.
    static func isUsablePackageName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first.isASCII, first.properties.isAlphabetic || ("0"..."9").contains(first) else { return false }
        return name.utf8.count <= 128 && name.unicodeScalars.allSatisfy {
            $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "." || $0 == "_" || $0 == "-")
        }
    }

    /// Package folder names, sorted.
    func packageDirectories(in directory: URL) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { name in
            var isDirectory: ObjCBool = false
            return !name.hasPrefix(".") && FileManager.default.fileExists(atPath: directory.appendingPathComponent(name).path, isDirectory: &isDirectory)
                && isDirectory.boolValue
        }.sorted()
    }

    /// Loads one package. Returns nil for packages without a schema (skipped silently) or with unusable metadata.
    func loadPackage(_ name: String, in packagesDirectory: URL, diagnostics: inout [Diagnostic]) -> PackageSchema? {
        let packageDirectory = packagesDirectory.appendingPathComponent(name)
        let seed = packageDirectory.appendingPathComponent("seed")
        let metadataURL = seed.appendingPathComponent("metadata.json")
        let metadataDisplay = display(metadataURL)
        var metadata: PackageMetadata?
        var metadataText = ""
        // metadata.json is read only when it is inside the package, symbolic links resolved.
        if FileManager.default.fileExists(atPath: metadataURL.path),
           isInside(package: packageDirectory, metadataURL, location: .start(of: metadataDisplay), what: "metadata.json", diagnostics: &diagnostics) {
            switch SourceFileReader.readData(at: metadataURL, displayPath: metadataDisplay) {
            case .failure(let diagnostic): diagnostics.append(diagnostic)
            case .success(let data):
                metadataText = String(decoding: data, as: UTF8.self)
                let parsed = PackageMetadata.parse(data, file: metadataDisplay)
                diagnostics += parsed.diagnostics
                metadata = parsed.metadata
            }
        }
        if let declaredId = metadata?.packageId, declaredId != name {
            diagnostics.append(.error(.metadataPackageIdMismatch, "packageId '\(YAMLNodeReader.printable(declaredId))' differs from the folder name '\(name)'",
                                      hint: "rename the folder or set \"packageId\": \"\(name)\"",
                                      at: JSONKeyLocator.locate("packageId", in: metadataText, file: metadataDisplay)))
        }

        let relativePath = metadata?.schema?.path ?? "schema/entities.yaml"
        let pathLocation = JSONKeyLocator.locate(metadata?.schema == nil ? "schema" : "path", in: metadataText, file: metadataDisplay)
        guard let schemaURL = resolveInside(package: packageDirectory, seed: seed, relativePath: relativePath,
                                            location: pathLocation, diagnostics: &diagnostics)
        else { return nil }
        guard FileManager.default.fileExists(atPath: schemaURL.path) else {
            if metadata?.schema != nil {
                diagnostics.append(.error(.unreadableFile, "schema file '\(relativePath)' declared in metadata.json does not exist",
                                          hint: "create it or fix 'schema.path'", at: pathLocation))
            }
            return nil // No schema: this package has nothing for us.
        }
        let schemaDisplay = display(schemaURL)
        // What metadata.json says the package exports; the validator compares it with the file (MetadataRules).
        let manifest = PackageManifest(
            file: metadata == nil ? nil : metadataDisplay, exportedEntities: metadata?.schema?.entities,
            entitiesLocation: JSONKeyLocator.locate("entities", in: metadataText, file: metadataDisplay))
        switch SourceFileReader.readText(at: schemaURL, displayPath: schemaDisplay) {
        case .failure(let diagnostic):
            diagnostics.append(diagnostic)
            var schema = PackageSchema(packageId: name, schemaFile: schemaDisplay, entities: [], manifest: manifest)
            schema.hadReadErrors = true
            return schema
        case .success(let text):
            let parsed = EntitiesFileParser.parse(text, file: schemaDisplay)
            diagnostics += parsed.diagnostics
            var schema = PackageSchema(packageId: name, schemaFile: schemaDisplay, entities: parsed.entities, manifest: manifest)
            schema.hadReadErrors = parsed.diagnostics.containsErrors
            return schema
        }
    }

    /// Resolves `relativePath` against `seed/` and insists it stays inside the package, symlinks included.
    func resolveInside(package: URL, seed: URL, relativePath: String, location: SourceLocation,
                       diagnostics: inout [Diagnostic]) -> URL? {
        let components = relativePath.split(separator: "/", omittingEmptySubsequences: false)
        if relativePath.hasPrefix("/") || relativePath.hasPrefix("~") || components.contains("..") || relativePath.contains("\0")
            || relativePath.contains("\\")
        {
            diagnostics.append(.error(.metadataPathEscapes, "schema path '\(YAMLNodeReader.printable(relativePath))' leaves the package",
                                      hint: "use a relative path below seed/, such as 'schema/entities.yaml'", at: location))
            return nil
        }
        let candidate = seed.appendingPathComponent(relativePath).standardizedFileURL
        if FileManager.default.fileExists(atPath: candidate.path),
           !isInside(package: package, candidate, location: location, what: "schema path '\(YAMLNodeReader.printable(relativePath))'", diagnostics: &diagnostics) {
            return nil
        }
        return candidate
    }

    /// Whether `file`, symbolic links resolved, is inside `package`; reports E052 when it is not.
    func isInside(package: URL, _ file: URL, location: SourceLocation, what: String, diagnostics: inout [Diagnostic]) -> Bool {
        let resolved = file.resolvingSymlinksInPath().path
        let packageRoot = package.resolvingSymlinksInPath().path
        if resolved == packageRoot || resolved.hasPrefix(packageRoot + "/") { return true }
        diagnostics.append(.error(.metadataPathEscapes, "\(what) resolves outside the package through a symbolic link",
                                  hint: "keep the file inside packages/<name>/", at: location))
        return false
    }

    /// What rendering SQL needs from the workspace besides the structures: the base schema and the
    /// identity setting, read without any package file (approval and review derive SQL with it).
    public func renderContext() -> RenderContext {
        var ignored: [Diagnostic] = []
        let configuration = loadConfiguration(&ignored)
        return RenderContext(host: placing(loadBaseSchema(&ignored), configuration, &ignored), identity: configuration.identity, deploys: configuration.deploys)
    }

    /// `packageSchema` of `schema.config.json`, read alone: what the commands' PostgreSQL
    /// sessions search when the URL names no schema.
    public func packageSchema() -> String? {
        var ignored: [Diagnostic] = []
        return loadConfiguration(&ignored).packageSchema
    }

    /// The host's schema with the configuration's `packageSchema`, which only a multi-schema host
    /// can use (a host of one schema lives in the URL's `?schema=`, and so do package tables).
    func placing(_ host: PrismaSchema?, _ configuration: WorkspaceConfiguration, _ diagnostics: inout [Diagnostic]) -> PrismaSchema? {
        guard let packageSchema = configuration.packageSchema else { return host }
        guard var host, !host.schemas.isEmpty else {
            diagnostics.append(.error(.metadataInvalid, "'packageSchema' places package tables under a multi-schema host (schemas = [...] in its datasource), "
                                        + "and \(host.map { "the host schema \($0.file)" } ?? "this workspace, which has no host schema,") has none",
                                      hint: "remove 'packageSchema'; with one database schema, the URL's ?schema= places the host's tables and the package tables",
                                      at: .start(of: display(root.appendingPathComponent("schema.config.json")))))
            return host
        }
        host.packageSchema = packageSchema
        return host
    }

    func loadConfiguration(_ diagnostics: inout [Diagnostic]) -> WorkspaceConfiguration {
        let url = root.appendingPathComponent("schema.config.json")
        guard FileManager.default.fileExists(atPath: url.path) else { return WorkspaceConfiguration() }
        let file = display(url)
        switch SourceFileReader.readData(at: url, displayPath: file) {
        case .failure(let diagnostic):
            diagnostics.append(diagnostic)
            return WorkspaceConfiguration()
        case .success(let data):
            guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                diagnostics.append(.error(.metadataInvalid, "schema.config.json must be a JSON object", at: .start(of: file)))
                return WorkspaceConfiguration()
            }
            let roles = object["extraRoles"] as? [String] ?? []
            if object["extraRoles"] != nil, object["extraRoles"] as? [String] == nil {
                diagnostics.append(.error(.metadataInvalid, "'extraRoles' must be a list of role names", at: .start(of: file)))
            }
            var identity = IdentitySource.settings
            if let text = object["identity"] {
                if let value = (text as? String).flatMap(IdentitySource.init(rawValue:)) {
                    identity = value
                } else {
                    diagnostics.append(.error(.metadataInvalid, "'identity' must be one of \(IdentitySource.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", "))",
                                              at: .start(of: file)))
                }
            }
            var deploys = Rollout.DeployStrategy.rolling
            if let text = object["deploys"] {
                if let value = (text as? String).flatMap(Rollout.DeployStrategy.init(rawValue:)) {
                    deploys = value
                } else {
                    diagnostics.append(.error(.metadataInvalid, "'deploys' must be one of \(Rollout.DeployStrategy.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", "))",
                                              at: .start(of: file)))
                }
            }
            var packageSchema: String?
            if let value = object["packageSchema"] {
                if let text = value as? String, !text.isEmpty, text.utf8.count <= 63, !TerminalText.containsUnsafe(text) {
                    packageSchema = text
                } else {
                    diagnostics.append(.error(.metadataInvalid, "'packageSchema' must be the name of a database schema (1 to 63 bytes, no control characters), one of the host datasource's schemas",
                                              at: .start(of: file)))
                }
            }
            return WorkspaceConfiguration(extraRoles: roles, identity: identity, deploys: deploys, packageSchema: packageSchema)
        }
    }

    func loadBaseSchema(_ diagnostics: inout [Diagnostic]) -> PrismaSchema? {
        guard let url = baseSchemaFile ?? defaultBaseSchema() else { return nil }
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder), isFolder.boolValue {
            return loadSchemaFolder(url, &diagnostics)
        }
        return loadSchemaFile(url, &diagnostics)
    }

    /// Where Prisma looks: the `schema` of `prisma.config.ts` (or `.mts`, `.js`, `.mjs`, `.cjs`)
    /// or of `package.json`'s `"prisma"` key when either names an existing file or folder, else
    /// `prisma/schema.prisma`, else the schema folder `prisma/schema/` (`prismaSchemaFolder`).
    public func defaultBaseSchema() -> URL? {
        if let configured = configuredSchema() { return configured }
        let file = root.appendingPathComponent("prisma/schema.prisma")
        if FileManager.default.fileExists(atPath: file.path) { return file }
        let folder = root.appendingPathComponent("prisma/schema")
        var isFolder: ObjCBool = false
        return FileManager.default.fileExists(atPath: folder.path, isDirectory: &isFolder) && isFolder.boolValue ? folder : nil
    }

    /// The schema path a Prisma config or `package.json` gives, when it exists inside the root: a
    /// string literal, or in a config the `path.join`/`path.resolve` of the config's folder
    /// (`__dirname`, `import.meta.dirname`, `process.cwd()`) and string literals, as configs
    /// write it (`schema: path.join(__dirname, "prisma")`). Any other computed path is not
    /// followed: the defaults apply then.
    func configuredSchema() -> URL? {
        let candidates = ["prisma.config.ts", "prisma.config.mts", "prisma.config.js", "prisma.config.mjs", "prisma.config.cjs", "package.json"]
        for name in candidates {
            guard let text = try? String(contentsOf: root.appendingPathComponent(name), encoding: .utf8),
                  let value = name == "package.json" ? Self.packageJSONSchemaPath(text) : Self.configSchemaPath(text) else { continue }
            let url = root.appendingPathComponent(value).standardizedFileURL
            // Inside the root only: the config is the project's, and so is its schema.
            guard url.path.hasPrefix(root.standardizedFileURL.path + "/"), FileManager.default.fileExists(atPath: url.path) else { continue }
            return url
        }
        return nil
    }

    /// `"prisma": { "schema": "…" }` of a `package.json`.
    static func packageJSONSchemaPath(_ text: String) -> String? {
        firstCapture(#""prisma"\s*:\s*\{[^}]*"schema"\s*:\s*"([^"]+)""#, in: text)
    }

    /// The `schema:` of a Prisma config, relative to the config's folder.
    static func configSchemaPath(_ text: String) -> String? {
        if let literal = firstCapture(#"\bschema\s*:\s*["'`]([^"'`$]+)["'`]"#, in: text) { return literal }
        guard let arguments = firstCapture(#"\bschema\s*:\s*(?:path\.)?(?:join|resolve)\(([^()]*(?:\(\)[^()]*)?)\)"#, in: text) else { return nil }
        var parts = arguments.split(separator: ",").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
        if let first = parts.first, ["__dirname", "import.meta.dirname", "process.cwd()"].contains(first) { parts.removeFirst() }
        let literals = parts.compactMap { firstCapture(#"^["'`]([^"'`$]*)["'`]$"#, in: $0) }
        guard !literals.isEmpty, literals.count == parts.count else { return nil }
        return literals.joined(separator: "/")
    }

    static func firstCapture(_ pattern: String, in text: String) -> String? {
        guard let expression = try? NSRegularExpression(pattern: pattern),
              let match = expression.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)),
              let range = Range(match.range(at: 1), in: text) else { return nil }
        return String(text[range])
    }

    /// A multi-file schema, as Prisma reads a schema folder (``PrismaSchema/folder(_:file:read:)``).
    func loadSchemaFolder(_ folder: URL, _ diagnostics: inout [Diagnostic]) -> PrismaSchema? {
        var found: [Diagnostic] = []
        let schema = PrismaSchema.folder(folder, file: display(folder)) { loadSchemaFile($0, &found) }
        diagnostics += found
        return schema
    }

    func loadSchemaFile(_ url: URL, _ diagnostics: inout [Diagnostic]) -> PrismaSchema? {
        let file = display(url)
        switch SourceFileReader.readText(at: url, displayPath: file) {
        case .failure(let diagnostic):
            diagnostics.append(diagnostic)
            return nil
        case .success(let text):
            let parsed = PrismaSchemaParser.parse(text, file: file)
            diagnostics += parsed.diagnostics
            return parsed.schema
        }
    }

    /// A path relative to the root when it is below it, as diagnostics show it.
    func display(_ url: URL) -> String {
        let path = url.standardizedFileURL.path
        let rootPath = root.path.hasSuffix("/") ? root.path : root.path + "/"
        return path.hasPrefix(rootPath) ? String(path.dropFirst(rootPath.count)) : path
    }
}
