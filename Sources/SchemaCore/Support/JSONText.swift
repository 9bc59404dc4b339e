public import Foundation

/// The one JSON encoder: keys sorted and slashes unescaped, so the same value always gives the
/// same text (registry columns, `--json` output and the review API alike).
public enum JSONText {
    /// `value` as JSON text; `pretty` indents it for people. Values that cannot be encoded (none of
    /// ours can fail) give `null`.
    public static func encode<T: Encodable>(_ value: T, pretty: Bool = false) -> String {
        String(decoding: data(value, pretty: pretty), as: UTF8.self)
    }

    /// `value` as JSON bytes (see ``encode(_:pretty:)``).
    public static func data<T: Encodable>(_ value: T, pretty: Bool = false) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(value)) ?? Data("null".utf8)
    }
}
