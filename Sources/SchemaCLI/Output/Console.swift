import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where commands write. Task-local so tests can capture a command's output in-process.
class Console: @unchecked Sendable {
    // @unchecked: subclasses guard their mutable state with a lock.
    @TaskLocal static var current: Console = StandardConsole()

    /// Whether text written to stdout may use ANSI colours.
    var usesColor: Bool { false }

    /// Whether diagnostics are for a person at a terminal: source snippets and one line per
    /// detail. Off for pipes and files, where one line per diagnostic suits grep and CI logs.
    var showsSnippets: Bool { false }

    func out(_ text: String) {}
    func err(_ text: String) {}

    /// `text` wrapped in an ANSI colour when colours are on.
    func paint(_ text: String, _ color: ANSIColor) -> String {
        usesColor ? "\u{1B}[\(color.rawValue)m\(text)\u{1B}[0m" : text
    }
}

enum ANSIColor: String {
    case red = "31", yellow = "33", green = "32", bold = "1", dim = "2", cyan = "36"
}

/// The process's stdout and stderr. Colour only on a terminal, never with NO_COLOR or TERM=dumb.
final class StandardConsole: Console, @unchecked Sendable {
    // @unchecked: no mutable state; FileHandle writes are atomic per call.
    private let colorEnabled: Bool = {
        let environment = ProcessInfo.processInfo.environment
        if let noColor = environment["NO_COLOR"], !noColor.isEmpty { return false }
        if environment["TERM"] == "dumb" { return false }
        return isatty(STDOUT_FILENO) == 1
    }()

    override var usesColor: Bool { colorEnabled }

    /// On when stderr is a terminal (not TERM=dumb); `SCHEMA_DIAGNOSTICS=rich` or `plain` decides instead.
    private let snippetsEnabled: Bool = {
        let environment = ProcessInfo.processInfo.environment
        switch environment["SCHEMA_DIAGNOSTICS"] {
        case "rich": return true
        case "plain": return false
        default: return environment["TERM"] != "dumb" && isatty(STDERR_FILENO) == 1
        }
    }()

    override var showsSnippets: Bool { snippetsEnabled }

    override func out(_ text: String) {
        Self.write(text + "\n", to: STDOUT_FILENO)
    }

    override func err(_ text: String) {
        Self.write(text + "\n", to: STDERR_FILENO)
    }

    /// Writes all of `text`. A reader that went away (`| head -1`) ends the process quietly, as
    /// other command-line tools end: SwiftNIO ignores SIGPIPE for the whole process, so the write
    /// fails with EPIPE instead, and Foundation's `FileHandle.write` would crash on it.
    static func write(_ text: String, to descriptor: Int32) {
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { buffer -> Int in
                guard let base = buffer.baseAddress else { return 0 }
                #if canImport(Glibc)
                return Glibc.write(descriptor, base + offset, buffer.count - offset)
                #else
                return Darwin.write(descriptor, base + offset, buffer.count - offset)
                #endif
            }
            if written > 0 {
                offset += written
            } else if written < 0 && errno == EINTR {
                continue
            } else {
                // EPIPE (the reader is gone) or another error: nothing more can be said there.
                if errno == EPIPE { exit(descriptor == STDOUT_FILENO ? 141 : 0) }
                return
            }
        }
    }
}

/// Collects output in memory.
final class BufferConsole: Console, @unchecked Sendable {
    // @unchecked: state is guarded by `lock`.
    private let lock = NSLock()
    private var outText = ""
    private var errText = ""

    private let snippets: Bool

    /// A buffer; `snippets` makes diagnostics render as on a terminal.
    init(snippets: Bool = false) {
        self.snippets = snippets
    }

    override var showsSnippets: Bool { snippets }

    var stdout: String { lock.withLock { outText } }
    var stderr: String { lock.withLock { errText } }

    override func out(_ text: String) { lock.withLock { outText += text + "\n" } }
    override func err(_ text: String) { lock.withLock { errText += text + "\n" } }
}
