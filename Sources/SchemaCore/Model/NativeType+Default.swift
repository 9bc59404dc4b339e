extension NativeType {
    /// Why PostgreSQL would refuse `value` as the default of a column of this native type, so that
    /// validation says it instead of a start failing on the `CREATE TABLE`; nil when the database
    /// takes it, or when its own input rules are too broad to repeat here (`Inet`, `Xml`, times).
    public func problem(withDefault value: ScalarValue) -> String? {
        switch (name, value) {
        case ("Uuid", .string(let text)):
            return takes(text) ? nil : "is not a UUID (32 hexadecimal digits, a hyphen allowed after any group of four, braces allowed around them)"
        case ("Char", .string(let text)):
            let count = Self.characterCount(text)
            guard let length = arguments.first, count > length else { return nil }
            return "has \(count) characters; Char(\(length)) holds \(length)"
        case ("Bit", .string(let text)):
            guard let length = arguments.first else { return nil }
            return takes(text) ? nil : "is not \(length) binary digits; Bit(\(length)) holds exactly \(length), each 0 or 1"
        case ("VarBit", .string(let text)):
            if takes(text) { return nil }
            guard let length = arguments.first, NativeType(name: "VarBit", arguments: []).takes(text) else {
                return "is not binary digits; VarBit holds digits 0 and 1"
            }
            return "has \(Self.characterCount(text)) digits; VarBit(\(length)) holds at most \(length)"
        case ("SmallInt", .integer(let number)):
            return Int64(Int16.min)...Int64(Int16.max) ~= number ? nil : "is outside SmallInt's range (-32768 to 32767)"
        case ("Oid", .integer(let number)):
            return number >= 0 ? nil : "is negative; an Oid is 0 or more"
        case ("Decimal", _):
            guard arguments.count == 2, let digits = Self.integerDigits(value) else { return nil }
            let allowed = arguments[0] - arguments[1]
            return digits <= allowed ? nil : "has \(digits) digits before the point; Decimal(\(arguments[0]), \(arguments[1])) holds \(allowed)"
        default:
            return nil
        }
    }

    /// The digits of a number's integer part without leading zeros (`0.5` has none), or nil when
    /// `value` is not a number.
    static func integerDigits(_ value: ScalarValue) -> Int? {
        let text: String
        switch value {
        case .integer(let number): text = String(number)
        case .float(let number): text = CanonicalNumber.format(number)
        case .string(let literal) where ScalarValue.isDecimalLiteral(literal): text = literal
        default: return nil
        }
        let integerPart = text.drop { $0 == "-" || $0 == "+" }.prefix { $0 != "." && $0 != "e" && $0 != "E" }
        return integerPart.drop { $0 == "0" }.count
    }
}
