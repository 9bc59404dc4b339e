/// One way a live table differs from what the registry says was applied, told as what happened
/// in the database (Prisma's and Atlas's drift summaries read the same way).
public struct DriftDifference: Hashable, Sendable, Codable, CustomStringConvertible {
    public enum Kind: String, Hashable, Sendable, Codable {
        case tableMissing = "table-missing"
        case tableExists = "table-exists"
        case columnRemoved = "column-removed"
        case columnAdded = "column-added"
        case columnChanged = "column-changed"
        case primaryKeyChanged = "primary-key-changed"
        case indexRemoved = "index-removed"
        case indexAdded = "index-added"
        case indexChanged = "index-changed"
        case indexRenamed = "index-renamed"
        case indexInvalid = "index-invalid"
        case foreignKeyRemoved = "foreign-key-removed"
        case foreignKeyAdded = "foreign-key-added"
        case foreignKeyChanged = "foreign-key-changed"
        case foreignKeyNotValidated = "foreign-key-not-validated"
        case checkRemoved = "check-removed"
        case checkAdded = "check-added"
        case checkNotValidated = "check-not-validated"
        case rowLevelSecurityOff = "row-level-security-off"
        case policyMissing = "policy-missing"
        case policyChanged = "policy-changed"
        case policyAdded = "policy-added"
    }

    public var kind: Kind
    public var table: String
    /// The column, index, key or check concerned (the table itself for table differences).
    public var object: String
    /// What the registry expects, when it says something.
    public var expected: String?
    /// What the database has.
    public var live: String?

    public init(_ kind: Kind, table: String, object: String, expected: String? = nil, live: String? = nil) {
        self.kind = kind
        self.table = table
        self.object = object
        self.expected = expected
        self.live = live
    }

    /// `[-] Removed column `code``, `[*] Altered column `title` (type changed from `text` to `integer`)`, ...
    public var description: String {
        let change = expected.map { e in live.map { " (\(e) → \($0))" } ?? " (\(e))" } ?? live.map { " (\($0))" } ?? ""
        switch kind {
        case .tableMissing: return "[-] The table `\(table)` is missing"
        case .tableExists: return "[+] A table `\(table)` exists, which the registry does not know"
        case .columnRemoved: return "[-] Removed column `\(object)`"
        case .columnAdded: return "[+] Added column `\(object)`\(change)"
        case .columnChanged: return "[*] Altered column `\(object)`\(change)"
        case .primaryKeyChanged: return "[*] Changed the primary key\(change)"
        case .indexRemoved: return "[-] Removed index `\(object)`\(change)"
        case .indexAdded: return "[+] Added index `\(object)`\(change)"
        case .indexChanged: return "[*] Altered index `\(object)`\(change)"
        case .indexRenamed: return "[*] Renamed index `\(expected ?? "")` to `\(live ?? object)`"
        case .indexInvalid: return "[!] Index `\(object)` is INVALID (an interrupted concurrent build)"
        case .foreignKeyRemoved: return "[-] Removed foreign key `\(object)`\(change)"
        case .foreignKeyAdded: return "[+] Added foreign key `\(object)`\(change)"
        case .foreignKeyChanged: return "[*] Altered foreign key `\(object)`\(change)"
        case .foreignKeyNotValidated: return "[!] Foreign key `\(object)` is NOT VALID"
        case .checkRemoved: return "[-] Removed check constraint `\(object)`"
        case .checkAdded: return "[+] Added check constraint `\(object)`"
        case .checkNotValidated: return "[!] Check constraint `\(object)` is NOT VALID"
        case .rowLevelSecurityOff: return "[-] Row-level security is not \(live ?? "on")"
        case .policyMissing: return "[-] Policy `\(object)` is missing\(change)"
        case .policyChanged: return "[*] Policy `\(object)` is for another command\(change)"
        case .policyAdded: return "[+] Policy `\(object)` exists, which the ACL does not make\(change)"
        }
    }
}

/// The drift of one table: what the registry expects against what the database has.
public enum Drift {
    /// The differences between `expected` and `live` (nil: the table does not exist).
    public static func differences(expected: TableShape, live: TableShape?) -> [DriftDifference] {
        let table = expected.name
        guard let live else { return [DriftDifference(.tableMissing, table: table, object: table)] }
        var found: [DriftDifference] = []

        for column in expected.columns {
            guard let actual = live.column(named: column.name) else {
                found.append(DriftDifference(.columnRemoved, table: table, object: column.name))
                continue
            }
            var changes: [String] = []
            if actual.type != column.type { changes.append("type `\(column.type)` → `\(actual.type)`") }
            if actual.notNull != column.notNull { changes.append(column.notNull ? "Required → Optional" : "Optional → Required") }
            if actual.defaultValue != column.defaultValue {
                changes.append("default `\(column.defaultValue ?? "none")` → `\(actual.defaultValue ?? "none")`")
            }
            if !changes.isEmpty {
                found.append(DriftDifference(.columnChanged, table: table, object: column.name, expected: nil, live: changes.joined(separator: ", ")))
            }
        }
        for column in live.columns where expected.column(named: column.name) == nil {
            found.append(DriftDifference(.columnAdded, table: table, object: column.name, live: "\(column.type)\(column.notNull ? " NOT NULL" : "")"))
        }
        if live.primaryKey != expected.primaryKey {
            found.append(DriftDifference(.primaryKeyChanged, table: table, object: "primary key",
                                         expected: "(\(expected.primaryKey.joined(separator: ", ")))", live: "(\(live.primaryKey.joined(separator: ", ")))"))
        } else if let name = expected.primaryKeyName, let liveName = live.primaryKeyName, name != liveName {
            // Prisma names the constraint (`@id(map:)`): under another name its next diff sees drift.
            found.append(DriftDifference(.primaryKeyChanged, table: table, object: "primary key", expected: "named `\(name)`", live: "named `\(liveName)`"))
        }

        found += indexDifferences(expected, live)
        found += foreignKeyDifferences(expected, live)

        let liveChecks = Dictionary(live.checks.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        for check in expected.checks {
            guard let actual = liveChecks[check.name] else {
                found.append(DriftDifference(.checkRemoved, table: table, object: check.name))
                continue
            }
            if !actual.valid { found.append(DriftDifference(.checkNotValidated, table: table, object: check.name)) }
        }
        let expectedChecks = Set(expected.checks.map(\.name))
        for check in live.checks where !expectedChecks.contains(check.name) {
            found.append(DriftDifference(.checkAdded, table: table, object: check.name))
        }
        return found
    }

    /// The differences between the row-level security an entity's ACL makes (`expected`: policy
    /// name → command) and the table's (`enabled`, `forced`, `live` policies). Policies are
    /// compared by name and command, not by their expressions (PostgreSQL stores those rewritten).
    public static func policyDifferences(table: String, expected: [String: String], enabled: Bool, forced: Bool, live: [String: String]) -> [DriftDifference] {
        var found: [DriftDifference] = []
        if !enabled || !forced {
            found.append(DriftDifference(.rowLevelSecurityOff, table: table, object: table, live: enabled ? "forced" : "enabled"))
        }
        for (name, command) in expected.sorted(by: { $0.key < $1.key }) {
            guard let actual = live[name] else {
                found.append(DriftDifference(.policyMissing, table: table, object: name, expected: command))
                continue
            }
            if actual != command { found.append(DriftDifference(.policyChanged, table: table, object: name, expected: command, live: actual)) }
        }
        for (name, command) in live.sorted(by: { $0.key < $1.key }) where expected[name] == nil {
            found.append(DriftDifference(.policyAdded, table: table, object: name, live: command))
        }
        return found
    }

    static func describe(_ index: TableShape.Index) -> String {
        let method = index.method.flatMap { $0 == "btree" ? nil : "using \($0) " } ?? ""
        let options = index.columnOptions
        let columns = index.columns.enumerated().map { offset, column in
            options.indices.contains(offset) && !options[offset].isEmpty ? "\(column) \(options[offset])" : column
        }
        return "\(index.unique ? "unique " : "")\(method)(\(columns.joined(separator: ", ")))\(index.deferred == true ? " deferrable" : "")"
    }

    static func indexDifferences(_ expected: TableShape, _ live: TableShape) -> [DriftDifference] {
        let table = expected.name
        var found: [DriftDifference] = []
        var unmatchedLive = live.indexes
        var unmatchedExpected: [TableShape.Index] = []
        for index in expected.indexes {
            if let position = unmatchedLive.firstIndex(where: { $0.name == index.name }) {
                let actual = unmatchedLive.remove(at: position)
                if actual.columns != index.columns || actual.unique != index.unique || actual.method != index.method || actual.options != index.options
                    || (actual.deferred ?? false) != (index.deferred ?? false) {
                    found.append(DriftDifference(.indexChanged, table: table, object: index.name, expected: describe(index), live: describe(actual)))
                } else if !actual.valid {
                    found.append(DriftDifference(.indexInvalid, table: table, object: index.name))
                }
            } else {
                unmatchedExpected.append(index)
            }
        }
        for index in unmatchedExpected {
            // The same columns under another name: a rename (e.g. a name the server cut at 63 bytes).
            if let position = unmatchedLive.firstIndex(where: { $0.columns == index.columns && $0.unique == index.unique && $0.method == index.method && $0.options == index.options }) {
                let actual = unmatchedLive.remove(at: position)
                found.append(DriftDifference(.indexRenamed, table: table, object: index.name, expected: index.name, live: actual.name))
            } else {
                found.append(DriftDifference(.indexRemoved, table: table, object: index.name, expected: describe(index)))
            }
        }
        for index in unmatchedLive {
            found.append(DriftDifference(.indexAdded, table: table, object: index.name, live: describe(index)))
        }
        return found
    }

    static func describe(_ key: TableShape.ForeignKey) -> String {
        "(\(key.columns.joined(separator: ", "))) → \(key.target)(\(key.targetColumns.joined(separator: ", "))) ON DELETE \(key.onDelete) ON UPDATE \(key.onUpdate)"
    }

    /// Keys are matched by their columns (SQLite keeps no names); a name differing on PostgreSQL is a change.
    static func foreignKeyDifferences(_ expected: TableShape, _ live: TableShape) -> [DriftDifference] {
        let table = expected.name
        var found: [DriftDifference] = []
        var unmatchedLive = live.foreignKeys
        for key in expected.foreignKeys {
            let label = key.name ?? key.columns.joined(separator: ", ")
            guard let position = unmatchedLive.firstIndex(where: { $0.columns == key.columns }) else {
                found.append(DriftDifference(.foreignKeyRemoved, table: table, object: label, expected: describe(key)))
                continue
            }
            let actual = unmatchedLive.remove(at: position)
            var comparable = actual
            comparable.valid = key.valid
            if comparable != key {
                found.append(DriftDifference(.foreignKeyChanged, table: table, object: label, expected: describe(key) + (key.name.map { " `\($0)`" } ?? ""),
                                             live: describe(actual) + (actual.name.map { " `\($0)`" } ?? "")))
            } else if !actual.valid {
                found.append(DriftDifference(.foreignKeyNotValidated, table: table, object: label))
            }
        }
        for key in unmatchedLive {
            found.append(DriftDifference(.foreignKeyAdded, table: table, object: key.name ?? key.columns.joined(separator: ", "), live: describe(key)))
        }
        return found
    }
}
