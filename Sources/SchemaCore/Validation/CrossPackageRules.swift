/// The same entity in several packages: shared when identical, an error otherwise.
enum CrossPackageRules {
    /// - Parameter byName: every definition, grouped by entity name.
    static func check(_ byName: [String: [ValidationReport.EntityDefinition]]) -> (shared: [ValidationReport.SharedEntity], diagnostics: [Diagnostic]) {
        var shared: [ValidationReport.SharedEntity] = []
        var diagnostics: [Diagnostic] = []
        for name in byName.keys.sorted() {
            guard let group = byName[name], group.count > 1 else { continue }
            let packages = group.map(\.packageId)
            if Set(group.map(\.checksum)).count == 1 {
                shared.append(.init(name: name, packages: packages, checksum: group[0].checksum))
                continue
            }
            let reference = group[0]
            for other in group.dropFirst() where other.checksum != reference.checksum {
                let differences = StructuralDifference.describe(reference.canonical, reference.packageId, other.canonical, other.packageId)
                let message = "`\(name)` is defined differently by \(reference.packageId) (\(reference.checksum.short)) and \(other.packageId) (\(other.checksum.short))"
                let hint = "packages that share an entity must define it identically; coordinate one definition or rename one entity"
                diagnostics.append(.error(.crossPackageConflict, message, details: differences, hint: hint, at: reference.entity.location))
                diagnostics.append(.error(.crossPackageConflict, message, details: differences, hint: hint, at: other.entity.location))
            }
        }
        return (shared, diagnostics)
    }
}
