import Foundation
import SchemaCore

/// The derivations of a start's approved items, computed on another thread in the items' order
/// while the connection's thread takes them one by one: a start that runs an item's statements
/// as soon as it is verified (``ApplyEngine/EarlyStatements``) does not wait for the rendering
/// of the thousandth item before the first statement.
final class DerivationStream: @unchecked Sendable {
    // @unchecked: `results` is guarded by `condition`.
    private let condition = NSCondition()
    private var results: [Derivation] = []

    /// Items first derived on every core, while nothing else runs; then on all cores but the one
    /// that runs the statements, in chunks, so the one waiting for an item waits for a few.
    static let firstChunk = 32
    static let chunk = 64

    /// Starts deriving `count` items with `derive` (the items in a range, on at most `width`
    /// threads); `whenDone` runs on the deriving thread after the last one.
    init(count: Int, whenDone: @escaping @Sendable () -> Void, _ derive: @escaping @Sendable (Range<Int>, Int) -> [Derivation]) {
        DispatchQueue.global().async { [self] in
            var start = 0
            while start < count {
                let first = start == 0
                let end = min(count, start + (first ? Self.firstChunk : Self.chunk))
                let derived = derive(start..<end, first ? Parallel.width : max(1, Parallel.width - 1))
                condition.lock()
                results += derived
                condition.broadcast()
                condition.unlock()
                start = end
            }
            whenDone()
        }
    }

    /// The derivation of the item at `index` (waits until it is there).
    func derivation(at index: Int) -> Derivation {
        condition.lock()
        defer { condition.unlock() }
        while results.count <= index { condition.wait() }
        return results[index]
    }
}
