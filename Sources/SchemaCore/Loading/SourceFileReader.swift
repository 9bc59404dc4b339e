public import Foundation

/// Reads a source file from disk with the limits and checks every input file gets.
public enum SourceFileReader {
    /// Schema files above this size are refused: real ones are a few kilobytes.
    public static let maximumSize = 4 * 1024 * 1024

    /// The file's text, or a diagnostic saying why it cannot be used.
    public static func readText(at url: URL, displayPath: String) -> Result<String, Diagnostic> {
        switch readData(at: url, displayPath: displayPath) {
        case .failure(let diagnostic):
            return .failure(diagnostic)
        case .success(let data):
            guard let text = String(validating: data, as: UTF8.self) else {
                let offset = UTF8Validation.firstInvalidByte(in: data) ?? 0
                let (line, column) = UTF8Validation.position(ofByte: offset, in: data)
                return .failure(.error(.unreadableFile, "the file is not valid UTF-8 (byte \(offset))",
                                       hint: "save it as UTF-8", at: SourceLocation(file: displayPath, line: line, column: column)))
            }
            return .success(SourceText.normalizingLineEndings(text))
        }
    }

    /// The file's bytes, or a diagnostic.
    public static func readData(at url: URL, displayPath: String) -> Result<Data, Diagnostic> {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            return .failure(.error(.unreadableFile, "file not found", at: .start(of: displayPath)))
        }
        if isDirectory.boolValue {
            return .failure(.error(.unreadableFile, "expected a file, found a directory", at: .start(of: displayPath)))
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? 0
        if size > maximumSize {
            return .failure(.error(.unreadableFile, "the file is \(size / 1024) KiB; schema files are limited to \(maximumSize / 1024 / 1024) MiB",
                                   hint: "split the schema or remove generated content", at: .start(of: displayPath)))
        }
        do {
            return .success(try Data(contentsOf: url))
        } catch {
            return .failure(.error(.unreadableFile, "cannot read the file: \((error as NSError).localizedDescription)", at: .start(of: displayPath)))
        }
    }
}

/// Finds the first byte that is not part of well-formed UTF-8.
enum UTF8Validation {
    static func firstInvalidByte(in data: Data) -> Int? {
        var iterator = data.makeIterator()
        var decoder = UTF8()
        var offset = 0
        var scalarStart = 0
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar):
                offset = scalarStart + UTF8.width(scalar)
                scalarStart = offset
            case .emptyInput:
                return nil
            case .error:
                return scalarStart
            }
        }
    }

    static func position(ofByte offset: Int, in data: Data) -> (line: Int, column: Int) {
        var line = 1
        var lineStart = 0
        for (index, byte) in data.prefix(offset).enumerated() where byte == UInt8(ascii: "\n") {
            line += 1
            lineStart = index + 1
        }
        return (line, offset - lineStart + 1)
    }
}
