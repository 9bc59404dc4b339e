/// Text becoming a native type whose explicit cast changes values without an error: `CHAR(n)` cuts
/// longer text, `BIT(n)` cuts or pads bits, `VARBIT(n)` cuts them (PostgreSQL's documented rule
/// for explicit casts), and `UUID` refuses text that is none, failing the start. The change casts
/// explicitly (`USING column::type`), so these values are counted before it runs and guarded while
/// it runs, as a shorter `maxLength` is.
enum NativeConversion {
    /// A PostgreSQL condition true for each value of `column` (quoted) that the cast from `from`
    /// to `to` keeps exactly; nil when the cast keeps every value or is not one of these.
    static func keeps(_ column: String, from: CanonicalField, to: CanonicalField) -> String? {
        guard let target = to.nativeType, target != from.nativeType, from.type.isText, to.type.isText,
              from.enumType == nil, to.enumType == nil, !from.list, !to.list else { return nil }
        let source = from.nativeType
        switch target.name {
        case "Char":
            guard let length = target.arguments.first else { return nil }
            if source?.name == "Char", let before = source?.arguments.first, before <= length { return nil }
            if source == nil, let limit = from.maxLength, limit <= length { return nil }
            return "char_length(\(column)) <= \(length)"
        case "Bit", "VarBit", "Uuid":
            if target.name == "VarBit", ["Bit", "VarBit"].contains(source?.name ?? "") {
                guard let length = target.arguments.first else { return nil }
                if let before = source?.arguments.first, before <= length { return nil }
            }
            // The type's own input rule, the one a default is checked against at validation.
            return target.inputPattern.map { "\(column)::text ~ " + SQLDialect.postgresql.literal($0) }
        default:
            return nil
        }
    }

    /// What a value failing ``keeps(_:from:to:)`` would become, for the check's description.
    static func loss(to: CanonicalField) -> String {
        switch to.nativeType?.name {
        case "Uuid": "is not a UUID, which the cast refuses"
        case "Char": "is longer than \(to.nativeType?.arguments.first ?? 0) characters, which the cast to \(to.nativeType?.description ?? "") would cut"
        default: "is not binary digits that \(to.nativeType?.description ?? "") holds as they are, which the cast would refuse, cut or pad"
        }
    }
}
