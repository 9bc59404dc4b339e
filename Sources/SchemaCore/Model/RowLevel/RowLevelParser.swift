/// Parses `rowLevel` text into a ``RowLevelExpression``.
public enum RowLevelParser {
    /// A parse failure with the 1-based column it happened at.
    public struct Failure: Error, Hashable, Sendable {
        /// What is wrong.
        public var message: String
        /// 1-based column in the expression text.
        public var column: Int
    }

    /// Parses `text`.
    public static func parse(_ text: String) -> Result<RowLevelExpression, Failure> {
        let tokens: [Token]
        switch tokenize(text) {
        case .success(let list): tokens = list
        case .failure(let failure): return .failure(failure)
        }
        var parser = Parser(tokens: tokens, endColumn: text.count + 1)
        do {
            let expression = try parser.expression(depth: 0)
            if let extra = parser.peek {
                throw Failure(message: "unexpected '\(extra.text)'", column: extra.column)
            }
            return .success(expression)
        } catch let failure as Failure {
            return .failure(failure)
        } catch {
            return .failure(Failure(message: "\(error)", column: 1))
        }
    }

    struct Token: Hashable {
        enum Kind: Hashable { case word, variable, number, text, symbol }
        var kind: Kind
        var text: String
        var column: Int
    }

    static func tokenize(_ text: String) -> Result<[Token], Failure> {
        let characters = Array(text)
        var tokens: [Token] = []
        var index = 0
        func isWordCharacter(_ c: Character) -> Bool { c.isASCII && (c.isLetter || c.isNumber || c == "_" || c == ".") }
        while index < characters.count {
            let c = characters[index]
            let column = index + 1
            if c == " " || c == "\t" {
                index += 1
            } else if c == "(" || c == ")" || c == "=" {
                tokens.append(Token(kind: .symbol, text: String(c), column: column))
                index += 1
            } else if c == "!" && index + 1 < characters.count && characters[index + 1] == "=" {
                tokens.append(Token(kind: .symbol, text: "!=", column: column))
                index += 2
            } else if c == "'" {
                var value = ""
                index += 1
                var closed = false
                while index < characters.count {
                    if characters[index] == "'" {
                        if index + 1 < characters.count && characters[index + 1] == "'" {
                            value.append("'")
                            index += 2
                            continue
                        }
                        closed = true
                        index += 1
                        break
                    }
                    value.append(characters[index])
                    index += 1
                }
                if !closed { return .failure(Failure(message: "unterminated text literal", column: column)) }
                tokens.append(Token(kind: .text, text: value, column: column))
            } else if c == "$" {
                var end = index + 1
                while end < characters.count, isWordCharacter(characters[end]) { end += 1 }
                tokens.append(Token(kind: .variable, text: String(characters[index..<end]), column: column))
                index = end
            } else if c.isASCII && (c.isNumber || c == "-") {
                var end = index + 1
                while end < characters.count, characters[end].isASCII, characters[end].isNumber || characters[end] == "." { end += 1 }
                tokens.append(Token(kind: .number, text: String(characters[index..<end]), column: column))
                index = end
            } else if isWordCharacter(c) {
                var end = index + 1
                while end < characters.count, isWordCharacter(characters[end]) { end += 1 }
                tokens.append(Token(kind: .word, text: String(characters[index..<end]), column: column))
                index = end
            } else {
                return .failure(Failure(message: "unexpected character '\(c)'", column: column))
            }
        }
        return .success(tokens)
    }

    struct Parser {
        var tokens: [Token]
        var position = 0
        var endColumn: Int
        static let maximumDepth = 32

        var peek: Token? { position < tokens.count ? tokens[position] : nil }

        mutating func next() throws -> Token {
            guard let token = peek else { throw Failure(message: "the expression ends too early", column: endColumn) }
            position += 1
            return token
        }

        func isKeyword(_ token: Token?, _ keyword: String) -> Bool {
            token?.kind == .word && token?.text.uppercased() == keyword
        }

        mutating func expression(depth: Int) throws -> RowLevelExpression {
            var terms = [try term(depth: depth)]
            while isKeyword(peek, "OR") {
                position += 1
                terms.append(try term(depth: depth))
            }
            return terms.count == 1 ? terms[0] : .or(terms.flatMap { if case .or(let inner) = $0 { inner } else { [$0] } })
        }

        mutating func term(depth: Int) throws -> RowLevelExpression {
            var factors = [try factor(depth: depth)]
            while isKeyword(peek, "AND") {
                position += 1
                factors.append(try factor(depth: depth))
            }
            return factors.count == 1 ? factors[0] : .and(factors.flatMap { if case .and(let inner) = $0 { inner } else { [$0] } })
        }

        mutating func factor(depth: Int) throws -> RowLevelExpression {
            let token = try next()
            if token.kind == .symbol && token.text == "(" {
                guard depth < Self.maximumDepth else { throw Failure(message: "parentheses nested too deeply", column: token.column) }
                let inner = try expression(depth: depth + 1)
                let close = try next()
                guard close.kind == .symbol && close.text == ")" else {
                    throw Failure(message: "expected ')' but found '\(close.text)'", column: close.column)
                }
                return inner
            }
            guard token.kind == .word, !["AND", "OR"].contains(token.text.uppercased()) else {
                throw Failure(message: "expected a field name but found '\(token.text)'", column: token.column)
            }
            let path = try pathComponents(token)
            let opToken = try next()
            guard opToken.kind == .symbol, let op = RowLevelComparison.Operator(rawValue: opToken.text) else {
                throw Failure(message: "expected '=' or '!=' after '\(token.text)' but found '\(opToken.text)'", column: opToken.column)
            }
            let operand = try self.operand(try next())
            return .comparison(RowLevelComparison(path: path, op: op, operand: operand, column: token.column))
        }

        func pathComponents(_ token: Token) throws -> [String] {
            let parts = token.text.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            guard (1...2).contains(parts.count), parts.allSatisfy({ Identifier.isValid($0) }) else {
                throw Failure(message: "'\(token.text)' is not a field or relation.field", column: token.column)
            }
            return parts
        }

        func operand(_ token: Token) throws -> RowLevelOperand {
            switch token.kind {
            case .variable:
                let parts = token.text.split(separator: ".", omittingEmptySubsequences: false)
                guard parts.count == 2, parts[0] == "$user", RowLevelPrincipal.attributes.contains(String(parts[1])) else {
                    throw Failure(message: "unknown variable '\(token.text)'; use \(RowLevelPrincipal.attributes.map { "$user.\($0)" }.joined(separator: ", "))",
                                  column: token.column)
                }
                return .principal(String(parts[1]))
            case .number:
                guard let value = Double(token.text), value.isFinite else { throw Failure(message: "'\(token.text)' is not a number", column: token.column) }
                return .number(value)
            case .text:
                return .text(token.text)
            case .word:
                switch token.text.lowercased() {
                case "true": return .bool(true)
                case "false": return .bool(false)
                case "null": return .null
                default: return .path(try pathComponents(token))
                }
            case .symbol:
                throw Failure(message: "expected a value but found '\(token.text)'", column: token.column)
            }
        }
    }
}
