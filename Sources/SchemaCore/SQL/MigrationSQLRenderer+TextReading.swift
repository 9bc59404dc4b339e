extension MigrationSQLRenderer {
    /// The values of `int` and `bigint`.
    static let intRange: ClosedRange<Int64> = -2_147_483_648...2_147_483_647
    static let bigintRange: ClosedRange<Int64> = Int64.min...Int64.max

    /// A condition true for a text `value` the database would not read as `reading`'s type: the
    /// cast fails on it on PostgreSQL, and SQLite's column affinity leaves it text. Written from
    /// each database's input rules (PostgreSQL's `int4in`, `float8in`, `numeric_in`, `boolin`;
    /// SQLite's affinity conversion), erring towards counting: a value read only by a rule left out
    /// here (`0x10` as a float on PostgreSQL, `1.0` as an integer on SQLite) is counted.
    func unreadable(_ value: String, as reading: TextReading) -> String {
        switch (dialect, reading) {
        case (.postgresql, .wholeNumber(let range)):
            return "CASE WHEN \(value) ~ '^[[:space:]]*[+-]?[0-9]+[[:space:]]*$' THEN \(value)::numeric NOT BETWEEN \(range.lowerBound) AND \(range.upperBound) ELSE true END"
        case (.postgresql, .float):
            // Out of range, or so small it would become 0 (both an error); an exponent of five
            // digits is counted before `numeric` is asked, which cannot hold it.
            return "CASE WHEN \(value) ~* '^[[:space:]]*[+-]?(inf|infinity|nan)[[:space:]]*$' THEN false WHEN \(value) ~* \(Self.postgresNumber) "
                + "THEN \(value) ~* 'e[+-]?[0-9]{5}' OR abs(\(value)::numeric) > 1.7976931348623157e308 OR (\(value)::numeric <> 0 AND abs(\(value)::numeric) < 4.9406564584124654e-324) ELSE true END"
        case (.postgresql, .decimal):
            // `DECIMAL(65,30)` holds NaN and less than 10^35 in magnitude (no infinity).
            return "CASE WHEN \(value) ~* '^[[:space:]]*[+-]?nan[[:space:]]*$' THEN false WHEN \(value) ~* \(Self.postgresNumber) "
                + "THEN \(value) ~* 'e[+-]?[0-9]{5}' OR abs(\(value)::numeric) >= 1e35 ELSE true END"
        case (.postgresql, .boolean):
            return "\(value) !~* '^[[:space:]]*(\((Self.trueWords + Self.falseWords).joined(separator: "|"))|1|0)[[:space:]]*$'"
        case (.sqlite, .wholeNumber(let range)):
            let text = sqliteTrimmed(value)
            let digits = "((\(text) <> '' AND \(text) NOT GLOB '*[^0-9]*') OR (length(\(text)) > 1 AND substr(\(text), 1, 1) IN ('+', '-') AND substr(\(text), 2) NOT GLOB '*[^0-9]*'))"
            return "typeof(\(value)) = 'text' AND NOT (\(digits) AND CAST(\(text) AS REAL) BETWEEN \(range.lowerBound) AND \(range.upperBound))"
        case (.sqlite, .float), (.sqlite, .decimal):
            return "typeof(\(value)) = 'text' AND NOT \(sqliteNumber(sqliteTrimmed(value)))"
        case (.sqlite, .boolean):
            // A BOOLEAN column has NUMERIC affinity: text becomes a number, and Prisma reads 0 and
            // 1; the rebuild turns PostgreSQL's boolean words into them first (``sqliteTextAsBoolean(_:)``).
            let text = sqliteTrimmed(value)
            return "typeof(\(value)) = 'text' AND lower(\(text)) NOT IN (\(literals(Self.trueWords + Self.falseWords))) AND NOT (\(sqliteNumber(text)) AND CAST(\(text) AS REAL) IN (0, 1))"
        case (.postgresql, .dateTime):
            // Only ISO 8601: every other form PostgreSQL reads means what the server's DateStyle
            // says (`01/02/2026`) or when the change runs (`now`, `today`). The form is matched
            // first, so the calendar arithmetic below never meets text it cannot read.
            return "CASE WHEN \(value) ~ \(Self.postgresISODateTime) THEN NOT \(realCalendarDay(value, integer: { "substr(\(value), \($0), \($1))::int" })) ELSE true END"
        case (.sqlite, .dateTime):
            return "typeof(\(value)) <> 'text' OR NOT \(sqliteDateTime(value))"
        }
    }

    /// The number a text `value` that is not ``unreadable(_:as:)`` becomes, to compare with
    /// bounds; nil for booleans.
    func number(_ value: String, as reading: TextReading) -> String? {
        switch (dialect, reading) {
        case (_, .boolean), (_, .dateTime): nil
        case (.postgresql, .float): "\(value)::double precision"
        case (.postgresql, _): "\(value)::numeric"
        case (.sqlite, _): "CAST(\(sqliteTrimmed(value)) AS REAL)"
        }
    }

    /// The words PostgreSQL reads as true and as false, case-insensitive: `true`, `yes`, `on`,
    /// `false`, `no`, `off` and every prefix that names one of them alone.
    static let trueWords = ["t", "tr", "tru", "true", "y", "ye", "yes", "on"]
    static let falseWords = ["f", "fa", "fal", "fals", "false", "n", "no", "of", "off"]

    /// `words` as the SQL list of their literals.
    func literals(_ words: [String]) -> String { words.map(dialect.literal).joined(separator: ", ") }

    /// A text `value` copied into a SQLite BOOLEAN column: PostgreSQL's boolean words become 1 and
    /// 0 as its cast makes them true and false, so a package's change reads the same text the same
    /// way on both databases; anything else is copied as it is (numbers by the column's affinity).
    func sqliteTextAsBoolean(_ value: String) -> String {
        let word = "lower(\(sqliteTrimmed(value)))"
        return "CASE WHEN typeof(\(value)) <> 'text' THEN \(value) WHEN \(word) IN (\(literals(Self.trueWords))) THEN 1 "
            + "WHEN \(word) IN (\(literals(Self.falseWords))) THEN 0 ELSE \(value) END"
    }

    /// PostgreSQL's decimal number form, case-insensitive: sign, digits with at most one point
    /// (a digit on one side), exponent.
    static let postgresNumber = "'^[[:space:]]*[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)(e[+-]?[0-9]+)?[[:space:]]*$'"

    /// The ISO 8601 forms of a date, or a date and a time, read as the same instant whatever the
    /// server's settings: `2026-12-06`, `2026-12-06T10:00`, `2026-12-06 10:00:00.123456`, each time
    /// optionally with `Z` or an offset (`+05:30`, `-0800`, `+05`) up to 14 hours. Months, days,
    /// hours, minutes and seconds in range here; the day of the month in ``realCalendarDay(_:integer:)``.
    static let postgresISODateTime = "'^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
        + "([T ]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]{1,6})?)?(Z|[+-](0[0-9]|1[0-4])(:?[0-5][0-9])?)?)?$'"

    /// A condition true when the text `value` is a date and time ending in an offset (`+05:30`,
    /// `-0800`, `+05`; a date alone ends in digits after a `-` too, hence the length).
    static func hasOffset(_ value: String) -> String {
        "(length(\(value)) > 10 AND \(value) ~ '[0-9][+-][0-9]{2}(:?[0-9]{2})?$')"
    }

    /// A condition true when the text `value`, whose first ten characters are `YYYY-MM-DD` with a
    /// month from 1 to 12 and a day from 1 to 31, names a day the calendar has (February 29 only
    /// in leap years, no year 0). `integer(start, length)` reads the digits at `start`.
    func realCalendarDay(_ value: String, integer: (Int, Int) -> String) -> String {
        let year = integer(1, 4), month = integer(6, 2), day = integer(9, 2)
        let leap = "(\(year) % 4 = 0 AND (\(year) % 100 <> 0 OR \(year) % 400 = 0))"
        let days = "CASE WHEN \(month) = 2 THEN CASE WHEN \(leap) THEN 29 ELSE 28 END WHEN \(month) IN (4, 6, 9, 11) THEN 30 ELSE 31 END"
        return "(\(year) >= 1 AND \(day) <= \(days))"
    }

    /// A condition true when the text `value` is a date and time Prisma Client reads from a SQLite
    /// `DATETIME` column: RFC 3339 (`2026-12-06T10:00:00Z`, `2026-12-06T10:00:00.123+05:30`) or
    /// `2026-12-06 10:00:00`, with every field in range and a day the calendar has. (A number
    /// would be read as milliseconds since 1970, and the column's affinity makes numeric text one.)
    func sqliteDateTime(_ value: String) -> String {
        let digits = { (start: Int, length: Int) in "CAST(substr(\(value), \(start), \(length)) AS INTEGER)" }
        let rest = "substr(\(value), 20)"
        // The zone: `Z`, or the last six characters (`+05:30`); the fraction between.
        let zone = "CASE WHEN \(rest) GLOB '*Z' THEN 'Z' ELSE substr(\(rest), -6) END"
        let fraction = "substr(\(rest), 1, length(\(rest)) - length(\(zone)))"
        let rfc3339 = "(\(zone) = 'Z' OR (\(zone) GLOB '[+-][0-9][0-9]:[0-9][0-9]' AND CAST(substr(\(zone), 2, 2) AS INTEGER) <= 14 AND CAST(substr(\(zone), 5, 2) AS INTEGER) < 60))"
            + " AND (\(fraction) = '' OR (\(fraction) GLOB '.[0-9]*' AND substr(\(fraction), 2) NOT GLOB '*[^0-9]*' AND length(\(fraction)) <= 10))"
        return "(substr(\(value), 1, 19) GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9][T ][0-9][0-9]:[0-9][0-9]:[0-9][0-9]'"
            + " AND \(digits(6, 2)) BETWEEN 1 AND 12 AND \(digits(9, 2)) >= 1 AND \(realCalendarDay(value, integer: digits))"
            + " AND \(digits(12, 2)) < 24 AND \(digits(15, 2)) < 60 AND \(digits(18, 2)) < 60"
            + " AND CASE substr(\(value), 11, 1) WHEN ' ' THEN length(\(value)) = 19 ELSE \(rfc3339) END)"
    }

    /// `value` without the spaces SQLite's number conversion skips around a number.
    func sqliteTrimmed(_ value: String) -> String {
        "trim(\(value), ' ' || char(9, 10, 11, 12, 13))"
    }

    /// A condition true when the trimmed `text` is a number SQLite's REAL or NUMERIC affinity
    /// converts: only digits, points, signs and `e`; at most one point and one `e`, no point after
    /// the `e`; a sign only first or right after the `e`; a digit before the `e` and after it.
    func sqliteNumber(_ text: String) -> String {
        "(\(text) NOT GLOB '*[^0-9.eE+-]*' AND \(text) NOT GLOB '*.*.*' AND \(text) NOT GLOB '*[eE]*[eE]*' AND \(text) NOT GLOB '*[eE]*.*'"
            + " AND \(text) NOT GLOB '*[0-9.+-][+-]*' AND (\(text) GLOB '*[0-9]*[eE]*' OR (\(text) NOT GLOB '*[eE]*' AND \(text) GLOB '*[0-9]*'))"
            + " AND \(text) NOT GLOB '*[eE]' AND \(text) NOT GLOB '*[eE][+-]')"
    }
}

/// The types a text column is read into with a count, first, of the values it cannot become.
enum TextReading: Equatable {
    /// `int` or `bigint`: a whole number in the range.
    case wholeNumber(ClosedRange<Int64>)
    case float
    case decimal
    case boolean
    /// `datetime`: an ISO 8601 date and time (on SQLite, the forms Prisma Client reads).
    case dateTime

    /// How text is read into `field`, when it is a plain `int`, `bigint`, `float`, `decimal`,
    /// `boolean` or `datetime` (no enum or native type, whose input rules are the type's own).
    init?(into field: CanonicalField) {
        guard field.enumType == nil, field.nativeType == nil else { return nil }
        switch field.type {
        case .int: self = .wholeNumber(MigrationSQLRenderer.intRange)
        case .bigint: self = .wholeNumber(MigrationSQLRenderer.bigintRange)
        case .float: self = .float
        case .decimal: self = .decimal
        case .boolean: self = .boolean
        case .datetime: self = .dateTime
        default: return nil
        }
    }

    /// What a counted value is not, as the refusal says it.
    func failure(in dialect: SQLDialect) -> String {
        switch self {
        case .wholeNumber(let range): "is not a whole number from \(range.lowerBound) to \(range.upperBound)"
        case .float: "is not a number a float holds"
        case .decimal: dialect == .postgresql ? "is not a number a decimal holds (less than 10^35 in magnitude)" : "is not a number"
        case .boolean: dialect == .postgresql ? "is not a boolean (true/false, yes/no, on/off, 1/0)" : "is not 0 or 1"
        case .dateTime: dialect == .postgresql
            ? "is not an ISO 8601 date and time of a real day (2026-12-06, 2026-12-06T10:00:00.000Z, 2026-12-06 10:00:00+05:30); other forms mean what the server's DateStyle says, or when the change runs"
            : "is not a date and time Prisma Client reads on SQLite (2026-12-06T10:00:00.000Z, 2026-12-06T10:00:00+05:30, 2026-12-06 10:00:00)"
        }
    }
}
