import Dispatch
public import SchemaRegistry

/// Runs registry calls one at a time on a dedicated thread.
///
/// The registry is synchronous (SQLite through GRDB, PostgreSQL waiting on futures) and its
/// PostgreSQL connection serves one transaction at a time, so requests take turns here instead of
/// blocking Swift's cooperative threads or interleaving transactions.
public final class RegistryGate: Sendable {
    let registry: Registry
    private let queue = DispatchQueue(label: "schema.review-server.registry")

    /// Wraps `registry`.
    public init(registry: Registry) {
        self.registry = registry
    }

    /// Runs `body` with the registry and returns its result.
    public func run<T: Sendable>(_ body: @escaping @Sendable (Registry) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result { try body(self.registry) })
            }
        }
    }
}
