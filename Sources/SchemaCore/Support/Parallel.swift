import Dispatch
import Foundation

/// Work spread over every core, with results in input order: parsing and per-package rules are
/// independent per package, and a 10,000-entity workspace otherwise leaves all but one core idle.
package enum Parallel {
    /// How many threads ``map(_:width:_:)`` uses by default: the processors this process may run
    /// on. Foundation's count follows a container's CPU quota but not the affinity mask (`taskset`,
    /// cpusets), so both are asked and the smaller wins: threads beyond the cores only add switching.
    package static let width = max(1, min(ProcessInfo.processInfo.activeProcessorCount, affinityCount ?? Int.max))

    /// The number of CPUs in this process's affinity mask (`Cpus_allowed` in `/proc/self/status`,
    /// a hexadecimal mask in comma-separated groups), where the system tells.
    static var affinityCount: Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed:") })
        else { return nil }
        let count = line.dropFirst("Cpus_allowed:".count).reduce(0) { total, character in
            total + (character.hexDigitValue?.nonzeroBitCount ?? 0)
        }
        return count > 0 ? count : nil
    }

    /// `inputs.map(transform)`, computed by up to `width` threads that each take the next
    /// unclaimed input; the result is in input order whatever order the work finished in, so
    /// output built from it is the same on one core and on many.
    package static func map<Input: Sendable, Output: Sendable>(_ inputs: [Input], width: Int = Parallel.width,
                                                       _ transform: @escaping @Sendable (Input) -> Output) -> [Output] {
        guard inputs.count > 1, width > 1 else { return inputs.map(transform) }
        let slots = Slots<Output>(count: inputs.count)
        let queue = WorkQueue(count: inputs.count)
        DispatchQueue.concurrentPerform(iterations: min(width, inputs.count)) { _ in
            while let index = queue.next() {
                slots.store(transform(inputs[index]), at: index)
            }
        }
        return slots.values()
    }

    /// The index of the next unclaimed input.
    final class WorkQueue: @unchecked Sendable {
        // @unchecked: `claimed` is guarded by `lock`.
        private let lock = NSLock()
        private var claimed = 0
        private let count: Int

        init(count: Int) { self.count = count }

        func next() -> Int? {
            lock.withLock {
                guard claimed < count else { return nil }
                defer { claimed += 1 }
                return claimed
            }
        }
    }

    /// One result slot per input, each written by exactly one thread.
    final class Slots<Output>: @unchecked Sendable {
        // @unchecked: each slot is written once, by the thread that claimed its index, and read
        // only after `concurrentPerform` has returned (which orders every write before the reads).
        private let storage: UnsafeMutableBufferPointer<Output?>

        init(count: Int) {
            storage = .allocate(capacity: count)
            storage.initialize(repeating: nil)
        }

        deinit {
            storage.deinitialize()
            storage.deallocate()
        }

        func store(_ value: Output, at index: Int) { storage[index] = value }

        /// Every result, in input order.
        func values() -> [Output] {
            storage.map { value in
                guard let value else { preconditionFailure("a parallel work item produced no result") }
                return value
            }
        }
    }
}
