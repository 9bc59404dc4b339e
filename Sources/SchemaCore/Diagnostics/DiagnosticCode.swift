/// The stable code of every diagnostic the tool emits. Codes never change meaning once released.
public enum DiagnosticCode: String, Hashable, Sendable, Codable, CaseIterable {
    // Files and syntax
    /// A package named on the command line does not exist.
    case packageNotFound = "E001"
    /// A file could not be read: missing, too large, not UTF-8, a directory.
    case unreadableFile = "E002"
    /// The YAML is not well-formed.
    case yamlSyntax = "E003"
    /// A value has the wrong shape (a list where a mapping is expected, ...).
    case wrongShape = "E004"
    /// A required key is missing.
    case missingKey = "E005"
    /// An entity named on the command line is not defined by the package.
    case entityNotFound = "E006"
    /// A key that the format does not define.
    case unknownKey = "E010"
    /// A name that is not a valid identifier.
    case invalidIdentifier = "E011"
    /// A field type that does not exist.
    case unknownFieldType = "E012"
    /// A name Prisma reserves.
    case reservedName = "E013"
    /// The same name twice where names must be unique.
    case duplicateName = "E014"
    /// A package folder whose name is not `[A-Za-z0-9][A-Za-z0-9._-]*` (it is skipped).
    case invalidPackageName = "E015"

    // Fields
    /// An entity without exactly one primary key.
    case primaryKeyCount = "E020"
    /// `required: true` together with `nullable: true`.
    case contradictoryOptionality = "E021"
    /// `maxLength` or `enum` on a type that is not a string.
    case constraintOnWrongType = "E022"
    /// `generated` on a type that cannot be generated.
    case generatedOnWrongType = "E023"
    /// A default that does not match the field's type.
    case defaultTypeMismatch = "E024"
    /// A default that is not one of the enum's values.
    case defaultNotInEnum = "E025"
    /// A malformed number or range (`maxLength: -1`, `min` above `max`).
    case invalidConstraint = "E026"
    /// A control character (line break, escape, NUL, ...) in an enum value, default, role or rule literal.
    case controlCharacter = "E027"

    // Indexes and relations
    /// An index names a field the entity does not have.
    case indexFieldMissing = "E030"
    /// A relation's foreign-key field does not exist.
    case relationFieldMissing = "E031"
    /// A foreign key whose type differs from the referenced primary key.
    case relationTypeMismatch = "E032"
    /// `onDelete: SetNull` on a required foreign key.
    case setNullOnRequired = "E033"
    /// A `hasMany` whose target has no `belongsTo` or foreign key back.
    case hasManyWithoutBackReference = "E034"
    /// A relation to an entity that no package and no host model defines.
    case relationTargetUnknown = "E035"
    /// A relation type other than belongsTo and hasMany.
    case invalidRelationKind = "E036"
    /// A referential action (`onDelete`, `onUpdate`) Prisma does not know.
    case invalidReferentialAction = "E037"
    /// Two relations join the same two entities and one of them has no `relationName:`.
    case ambiguousRelation = "E038"
    /// A relation's `references:` that is not a unique set of the target's fields.
    case invalidReferences = "E039"

    // ACL
    /// An ACL operation other than create/read/update/delete.
    case unknownACLOperation = "E040"
    /// A role outside the known set (grants nothing).
    case unknownRole = "W041"
    /// A `rowLevel` expression that does not parse.
    case rowLevelSyntax = "E042"
    /// A `rowLevel` expression that names a field or relation that does not exist.
    case rowLevelUnknownName = "E043"
    /// A `rowLevel` alternative that does not compare a field with `$user.id`, so it cannot decide
    /// who owns a row; it is ignored for `self`/`owner` (visibility belongs in `readableWhen`).
    case rowLevelNotOwnership = "W044"

    // metadata.json
    /// metadata.json is not valid JSON or not an object.
    case metadataInvalid = "E050"
    /// `packageId` differs from the package's folder name.
    case metadataPackageIdMismatch = "E051"
    /// `schema.path` leaves the package (`..`, absolute path, symlink).
    case metadataPathEscapes = "E052"
    /// `schema.entities` differs from the entities the file defines.
    case metadataEntitiesMismatch = "E053"
    /// A schema file that metadata.json does not declare.
    case metadataSchemaUndeclared = "W054"

    // Across packages and the host
    /// Two packages define the same entity differently.
    case crossPackageConflict = "E060"
    /// Two objects PostgreSQL would give the same name (identifiers are cut at 63 bytes).
    case nameCollision = "E061"
    /// An enum type whose declarations (in packages, or the host's `enum` block) list different values.
    case enumTypeConflict = "E062"
    /// A package entity has the name of a host model and differs from it.
    case hostModelConflict = "E070"
    /// A package entity has the name of a host model and is structurally equal to it.
    case hostModelOverlap = "W071"
    /// The host's datasource lists database schemas (`schemas = [...]`) without `public`, where
    /// package tables are made, so Prisma would not see them.
    case hostSchemasWithoutPublic = "E072"
    /// The host's base Prisma schema could not be parsed.
    case baseSchemaSyntax = "E080"
    /// A `checksum:` written in the file that differs from the computed one.
    case staleChecksum = "W090"
}
