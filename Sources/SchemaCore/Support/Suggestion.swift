import Foundation

/// "Did you mean" suggestions by edit distance, with a bounded cost.
///
/// A file with thousands of misspelled names against thousands of candidates would otherwise
/// cost millions of edit distances (minutes, at a container start). Candidates whose length alone
/// rules them out are skipped, each distance stops as soon as it exceeds what counts as a typo, and
/// each package (and the cross-package checks after them) compares at most ``Budget/defaultLimit``
/// pairs; after that, its diagnostics come without a suggestion. The budget is per package, not
/// shared, so that which suggestions are made does not depend on which package a thread reached
/// first: the output is the same on one core and on many.
public enum Suggestion {
    /// The number of word pairs one validation may still compare.
    public final class Budget: @unchecked Sendable {
        // @unchecked: `remaining` is guarded by `lock`.
        private let lock = NSLock()
        private var remaining: Int
        private var usedSoFar = 0
        /// The comparisons this budget started with.
        public let limit: Int
        /// Pairs compared so far, by this budget and the ones ``share(_:)`` gave out.
        public var used: Int { lock.withLock { usedSoFar } }

        /// 200,000 pairs: a few thousand typos against a hundred candidates each.
        public static let defaultLimit = 200_000

        /// A budget of `limit` comparisons.
        public init(limit: Int = defaultLimit) {
            self.limit = limit
            remaining = limit
        }

        /// Runs `body` (one package's work, possibly on another thread) with a budget of its own of
        /// the same limit, and counts what it used in ``used``.
        public func share<T>(_ body: () -> T) -> T {
            let own = Budget(limit: limit)
            let result = Suggestion.$budget.withValue(own) { body() }
            let spent = own.used
            lock.withLock { usedSoFar += spent }
            return result
        }

        /// Takes one comparison; false when the budget is spent.
        func take() -> Bool {
            lock.withLock {
                guard remaining > 0 else { return false }
                remaining -= 1
                usedSoFar += 1
                return true
            }
        }
    }

    /// The budget of the package being read or validated (unbounded outside a validation).
    @TaskLocal public static var budget: Budget?

    /// The candidate closest to `word`, if it is close enough to be a plausible typo.
    public static func closest(to word: String, in candidates: [String]) -> String? {
        let lowered = Array(word.lowercased())
        // Names longer than any identifier are not typos of one.
        guard lowered.count <= 2 * Identifier.maximumLength else { return nil }
        let allowed = max(2, lowered.count / 3)
        var best: (candidate: String, distance: Int)?
        for candidate in candidates {
            let other = Array(candidate.lowercased())
            if abs(other.count - lowered.count) > allowed { continue }
            if let budget, !budget.take() { break }
            let distance = editDistance(lowered, other, limit: min(allowed, (best?.distance ?? Int.max) - 1))
            if let distance, distance < (best?.distance ?? Int.max) {
                best = (candidate, distance)
            }
        }
        guard let best, best.candidate != word else { return nil }
        return best.candidate
    }

    /// A hint text "did you mean 'x'?" or nil.
    public static func hint(for word: String, in candidates: [String]) -> String? {
        closest(to: word, in: candidates).map { "did you mean '\($0)'?" }
    }

    /// The Levenshtein distance of `a` and `b`, or nil as soon as it is certain to exceed `limit`.
    static func editDistance(_ a: [Character], _ b: [Character], limit: Int) -> Int? {
        guard limit >= 0, abs(a.count - b.count) <= limit else { return nil }
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = Array(repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            var rowMinimum = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                rowMinimum = min(rowMinimum, current[j])
            }
            // Every later cell is at least the smallest of this row.
            if rowMinimum > limit { return nil }
            swap(&previous, &current)
        }
        return previous[b.count] <= limit ? previous[b.count] : nil
    }
}
