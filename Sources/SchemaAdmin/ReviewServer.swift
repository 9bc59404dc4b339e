import Foundation
import HTTPTypes
import Hummingbird
import SchemaCore
import SchemaRegistry

/// The review server: a JSON API under `/api` (bearer tokens) and a review page at `/`
/// (login form, session cookie, CSRF tokens). Domain errors become HTTP statuses only here.
public struct ReviewServer: Sendable {
    let gate: RegistryGate
    let host: PrismaSchema?
    let signingKey: SigningKey?
    let sessions = SessionStore()

    /// Creates a server over `registry`. With `signingKey`, approvals made through it are signed.
    public init(registry: Registry, host: PrismaSchema?, signingKey: SigningKey? = nil) {
        self.gate = RegistryGate(registry: registry)
        self.host = host
        self.signingKey = signingKey
    }

    /// The router with every route; tests drive it without sockets.
    public func makeRouter() -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: SecurityHeadersMiddleware())
        router.addRoutes(APIRoutes(server: self).collection, atPath: "/api")
        PageRoutes(server: self).register(on: router)
        return router
    }

    /// An application listening on `host:port`.
    public func makeApplication(hostname: String, port: Int) -> some ApplicationProtocol {
        Application(router: makeRouter(), configuration: .init(address: .hostname(hostname, port: port), serverName: "schema-review"))
    }

    // MARK: - Shared by API and page

    /// The outcome of a decision made through the server.
    enum Decision {
        case done(QueueItem)
        case refused(String)
        case forbidden(String)
        case notFound
    }

    func approve(_ id: String, as principal: AuthenticatedPrincipal, allowDataLoss: Bool) async throws -> Decision {
        let key = signingKey
        return try await decide(id, principal: principal) { registry in
            try registry.approve(.ids([id]), as: principal.name, allowDataLoss: allowDataLoss, signingKey: key)
        }
    }

    func reject(_ id: String, as principal: AuthenticatedPrincipal, reason: String?) async throws -> Decision {
        try await decide(id, principal: principal) { registry in
            try registry.reject(.ids([id]), as: principal.name, reason: reason)
        }
    }

    private func decide(_ id: String, principal: AuthenticatedPrincipal,
                        _ body: @escaping @Sendable (Registry) throws -> DecisionResult) async throws -> Decision {
        try await gate.run { registry in
            guard try registry.item(id) != nil else { return .notFound }
            do {
                let result = try body(registry)
                if let item = result.accepted.first { return .done(item) }
                return .refused(result.refused.first?.reason ?? "not changed")
            } catch let error as RegistryError {
                // The registry has audited the refusal; only non-admins get here.
                return .forbidden(error.message)
            }
        }
    }

    func detail(_ id: String) async throws -> ItemDetail? {
        let host = self.host
        return try await gate.run { registry in
            try registry.item(id).map { ItemDetail($0.item, applied: $0.applied, host: host) }
        }
    }

    func details(in states: Set<QueueItem.State>?) async throws -> [ItemDetail] {
        let host = self.host
        return try await gate.run { registry in
            let applied = Dictionary(try registry.appliedEntities().map { ($0.structure.name, $0) }, uniquingKeysWith: { first, _ in first })
            return try registry.items(in: states).map { ItemDetail($0, applied: applied[$0.entity], host: host) }
        }
    }
}

/// Headers every response carries: no scripts, no framing, no sniffing, no caching of review data.
struct SecurityHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as HTTPError {
            response = Response(status: error.status, headers: [.contentType: "text/plain; charset=utf-8"],
                                body: .init(byteBuffer: ByteBuffer(string: (error.body ?? "\(error.status.code)") + "\n")))
            for field in error.headers { response.headers.append(field) }
        }
        response.headers[.contentSecurityPolicy] = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'"
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[.cacheControl] = "no-store"
        return response
    }
}

// Literal, valid header names: these initializers cannot fail.
extension HTTPField.Name {
    static let contentSecurityPolicy = Self("Content-Security-Policy")!
    static let xContentTypeOptions = Self("X-Content-Type-Options")!
}

/// Builds responses.
enum Reply {
    static func json<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func error(_ status: HTTPResponse.Status, _ message: String) -> Response {
        json(["error": message], status: status)
    }

    static func html(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func redirect(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location])
    }
}
