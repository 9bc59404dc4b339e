/// Line handling shared by every reader of text files (YAML, JSON, Prisma), so CRLF files parse,
/// locate and checksum like LF files everywhere.
public enum SourceText {
    /// `text` with CRLF line endings as LF. Only texts that contain a carriage return are copied:
    /// most files have none, and the replacement is costly on large files.
    public static func normalizingLineEndings(_ text: String) -> String {
        guard text.utf8.contains(UInt8(ascii: "\r")) else { return text }
        return text.replacingOccurrences(of: "\r\n", with: "\n")
    }

    /// The lines of `text` (CRLF or LF), empty ones included.
    public static func lines(_ text: String) -> [Substring] {
        // "\r\n" is a single Character in Swift, so normalize before splitting.
        normalizingLineEndings(text).split(separator: "\n", omittingEmptySubsequences: false)
    }
}
