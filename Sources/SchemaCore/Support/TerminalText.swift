/// Text from files or the registry made safe to print on a terminal: control characters (which
/// could move the cursor, recolour or hide output such as a DESTRUCTIVE marker) and bidirectional
/// overrides are shown escaped, as `\u{1b}`.
public enum TerminalText {
    /// `text` with every control, format and line-separator character escaped; longer texts are
    /// cut after `limit` characters (when given) and end in `…`.
    public static func escape(_ text: String, limit: Int? = nil) -> String {
        var escaped = ""
        var count = 0
        for scalar in text.unicodeScalars {
            if let limit, count >= limit {
                escaped += "…"
                break
            }
            if isUnsafe(scalar) {
                escaped += "\\u{\(String(scalar.value, radix: 16))}"
            } else {
                escaped.unicodeScalars.append(scalar)
            }
            count += 1
        }
        return escaped
    }

    /// C0 and C1 controls, DEL, line and paragraph separators, and the bidirectional controls
    /// that reorder what follows them (U+202A–U+202E, U+2066–U+2069, U+200E/F).
    public static func isUnsafe(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F, 0x2028, 0x2029, 0x202A...0x202E, 0x2066...0x2069, 0x200E, 0x200F, 0xFEFF: true
        default: false
        }
    }

    /// Whether `text` holds a character ``escape(_:limit:)`` would escape.
    public static func containsUnsafe(_ text: String) -> Bool {
        text.unicodeScalars.contains(where: isUnsafe)
    }
}
