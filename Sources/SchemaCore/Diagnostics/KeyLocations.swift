/// Where each key of one YAML mapping (a field, a relation, an ACL) is written, so that a
/// diagnostic can point at the exact value.
///
/// Used like `[String: SourceLocation]`, but stored as one small array with the file named once:
/// a 10,000-entity workspace has about 100,000 of these, and a dictionary each cost a third of a
/// validation's memory.
public struct KeyLocations: Hashable, Sendable {
    struct Entry: Hashable, Sendable {
        var key: String
        var line: Int32
        var column: Int32
    }

    private var file = ""
    private var entries: [Entry] = []

    /// No keys.
    public init() {}

    /// The location of `key`'s value; setting one records (or replaces) it.
    public subscript(key: String) -> SourceLocation? {
        get {
            entries.first { $0.key == key }.map { SourceLocation(file: file, line: Int($0.line), column: Int($0.column)) }
        }
        set {
            entries.removeAll { $0.key == key }
            guard let newValue else { return }
            file = newValue.file
            entries.append(Entry(key: key, line: Int32(clamping: newValue.line), column: Int32(clamping: newValue.column)))
        }
    }
}
