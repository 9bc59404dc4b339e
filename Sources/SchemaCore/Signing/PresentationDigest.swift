/// What Prisma renders from an entity beyond its structure (field order, `///` comments, relation
/// names), as one hash: approvals and attestations sign it, so a registry writer cannot change the
/// generated Prisma schema of an approved or applied entity without the key.
public enum PresentationDigest {
    /// The SHA-256 (hex) of the presentation's canonical JSON; `-` when there is none (a drop).
    public static func of(_ presentation: EntityPresentation?) -> String {
        guard let presentation else { return "-" }
        func strings(_ map: [String: String]) -> JSONValue { .object(map.map { ($0.key, .string($0.value)) }) }
        var members: [(String, JSONValue)] = [
            ("fieldOrder", .array(presentation.fieldOrder.map(JSONValue.string))),
            ("fieldDocumentation", strings(presentation.fieldDocumentation)),
            ("relationNames", strings(presentation.relationNames)),
        ]
        if let documentation = presentation.documentation { members.append(("documentation", .string(documentation))) }
        return Checksum.sha256Hex(JSONValue.object(members).serialized)
    }
}
