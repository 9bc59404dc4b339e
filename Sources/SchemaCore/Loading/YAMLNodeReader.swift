import Yams

/// Reads typed values out of Yams nodes, turning every shape mismatch into a diagnostic.
///
/// It only ever looks at the keys and items the format defines, never walks a subtree it does not
/// understand, so aliases that expand exponentially (a "billion laughs" document) cost nothing.
struct YAMLNodeReader {
    /// The file as shown in diagnostics.
    let file: String
    /// Everything found so far.
    var diagnostics: [Diagnostic] = []

    init(file: String) {
        self.file = file
    }

    func location(_ node: Node) -> SourceLocation {
        guard let mark = node.mark else { return .start(of: file) }
        return SourceLocation(file: file, line: mark.line, column: mark.column)
    }

    mutating func error(_ code: DiagnosticCode, _ message: String, hint: String? = nil, at node: Node) {
        diagnostics.append(.error(code, message, hint: hint, at: location(node)))
    }

    mutating func error(_ code: DiagnosticCode, _ message: String, hint: String? = nil, at location: SourceLocation) {
        diagnostics.append(.error(code, message, hint: hint, at: location))
    }

    static func kindName(_ node: Node) -> String {
        switch node {
        case .scalar: "a scalar"
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .alias: "an alias"
        }
    }

    /// The pairs of a mapping whose keys are plain strings, reporting unknown keys against `known`.
    /// Each entry keeps the key's own node for precise positions.
    mutating func pairs(of node: Node, context: String, known: Set<String>) -> [(key: String, keyNode: Node, value: Node)]? {
        guard case .mapping(let mapping) = node else {
            error(.wrongShape, "\(context) must be a mapping, found \(Self.kindName(node))", at: node)
            return nil
        }
        var result: [(key: String, keyNode: Node, value: Node)] = []
        for (keyNode, value) in mapping {
            guard case .scalar(let scalar) = keyNode else {
                error(.wrongShape, "keys of \(context) must be plain names, found \(Self.kindName(keyNode))", at: keyNode)
                continue
            }
            let key = scalar.string
            if !known.contains(key) {
                let hint = Suggestion.hint(for: key, in: known.sorted()) ?? "allowed keys: \(known.sorted().joined(separator: ", "))"
                error(.unknownKey, "unknown key '\(Self.printable(key))' in \(context)", hint: hint, at: keyNode)
                continue
            }
            result.append((key, keyNode, value))
        }
        return result
    }

    /// A string scalar. Numbers and booleans written without quotes are rejected where a name is expected.
    mutating func string(_ node: Node, context: String) -> String? {
        guard case .scalar(let scalar) = node else {
            error(.wrongShape, "\(context) must be a string, found \(Self.kindName(node))", at: node)
            return nil
        }
        if scalar.style == .plain, node.null != nil, scalar.string.isEmpty || scalar.string == "~" || scalar.string == "null" {
            error(.wrongShape, "\(context) must be a string, found null", at: node)
            return nil
        }
        return scalar.string
    }

    /// `node` with its tag resolved by Yams' default rules (YAML 1.1 booleans, ints, floats, null).
    ///
    /// Documents are composed with `Resolver.basic`, under which every plain scalar is a string;
    /// the typed readers below call this for the few values whose type matters, so typing is
    /// exactly what `Yams.compose` with the default resolver gives, at a fraction of its cost.
    static func typed(_ node: Node) -> Node {
        guard case .scalar(let scalar) = node else { return node }
        return .scalar(Node.Scalar(scalar.string, scalar.tag.copy(resolver: .default), scalar.style, scalar.mark))
    }

    /// A boolean scalar (`true`/`false` and YAML's other spellings).
    mutating func bool(_ node: Node, context: String) -> Bool? {
        guard case .scalar(let scalar) = node, scalar.style == .plain, let value = Self.typed(node).bool else {
            error(.wrongShape, "\(context) must be true or false", at: node)
            return nil
        }
        return value
    }

    /// A non-negative integer scalar.
    mutating func nonNegativeInt(_ node: Node, context: String) -> Int? {
        guard case .scalar(let scalar) = node, scalar.style == .plain, let value = Self.typed(node).int, value >= 0 else {
            error(.invalidConstraint, "\(context) must be a non-negative integer", at: node)
            return nil
        }
        return value
    }

    /// A number scalar.
    mutating func number(_ node: Node, context: String) -> Double? {
        guard case .scalar(let scalar) = node, scalar.style == .plain, let value = Self.typed(node).float, value.isFinite else {
            error(.invalidConstraint, "\(context) must be a finite number", at: node)
            return nil
        }
        return value
    }

    /// A scalar typed as YAML resolves it: quoted text stays text, `0` is an integer, `true` a boolean.
    mutating func scalarValue(_ node: Node, context: String) -> ScalarValue? {
        guard case .scalar(let scalar) = node else {
            error(.wrongShape, "\(context) must be a scalar, found \(Self.kindName(node))", at: node)
            return nil
        }
        if scalar.style != .plain { return .string(scalar.string) }
        if node.null != nil {
            error(.wrongShape, "\(context) must not be null", hint: "remove the key for no default", at: node)
            return nil
        }
        let typed = Self.typed(node)
        if let value = typed.bool { return .bool(value) }
        if let value = typed.int { return .integer(Int64(value)) }
        if let value = typed.float {
            guard value.isFinite else {
                error(.invalidConstraint, "\(context) must be a finite number", at: node)
                return nil
            }
            return .float(value)
        }
        return .string(scalar.string)
    }

    /// `{ dbgenerated: "gen_random_uuid()" }` as a field's default: one of the expressions
    /// ``DatabaseDefault`` accepts, or nil with a diagnostic.
    mutating func databaseDefault(_ node: Node, field: String) -> DatabaseDefault? {
        let context = "the default of field '\(field)'"
        guard let pairs = pairs(of: node, context: context, known: ["dbgenerated"]) else { return nil }
        if case .mapping(let mapping) = node, mapping.count == 0 {
            error(.wrongShape, "\(context) is an empty mapping", hint: "write default: { dbgenerated: \"gen_random_uuid()\" }, or a plain value", at: node)
        }
        guard let pair = pairs.first, let written = string(pair.value, context: "'dbgenerated' of field '\(field)'") else { return nil }
        guard let computed = DatabaseDefault(written: written) else {
            error(.defaultTypeMismatch, "'dbgenerated' of field '\(field)' is '\(Self.printable(written))', which is not an expression a package may give",
                  hint: "use one of \(DatabaseDefault.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")); anything else belongs in the host's own migrations",
                  at: pair.value)
            return nil
        }
        return computed
    }

    /// A list of strings. A single scalar is accepted as a one-item list.
    mutating func stringList(_ node: Node, context: String) -> [(value: String, node: Node)]? {
        switch node {
        case .scalar:
            return string(node, context: context).map { [($0, node)] }
        case .sequence(let sequence):
            var values: [(String, Node)] = []
            for item in sequence {
                if let value = string(item, context: "each item of \(context)") {
                    values.append((value, item))
                }
            }
            return values
        default:
            error(.wrongShape, "\(context) must be a list of names, found \(Self.kindName(node))", at: node)
            return nil
        }
    }

    /// A name safe to echo in a message: long or control-character-laden input is shortened and escaped.
    static func printable(_ text: String) -> String {
        TerminalText.escape(text, limit: 80)
    }
}
