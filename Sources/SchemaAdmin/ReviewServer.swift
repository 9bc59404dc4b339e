public import Foundation
import HTTPTypes
public import Hummingbird
public import SchemaCore
public import SchemaRegistry

/// The review server: a JSON API under `/api` (bearer tokens) and a review page at `/`
/// (login form, session cookie, CSRF tokens). Domain errors become HTTP statuses only here.
public struct ReviewServer: Sendable {
    let gate: RegistryGate
    let host: PrismaSchema?
    /// What the SQL of items is derived with, for approval and the data checks shown.
    let context: RenderContext
    let signingKey: SigningKey?
    let sessions = SessionStore()
    let throttle: LoginThrottle
    /// Seconds a connection may stay idle, or take to send a request, before it is closed.
    let idleTimeout: Int64
    /// Failed sign-ins the server checks per minute; past that, attempts get 429 without a check.
    public static let failedSignInsPerMinute = 10

    /// Creates a server over `registry`. With `signingKey`, approvals made through it are signed.
    /// `identity` is the workspace's identity setting, which the SQL of row-level security is
    /// derived with. `clock` times the sign-in throttle (tests fix it).
    public init(registry: Registry, host: PrismaSchema?, identity: IdentitySource = .settings, deploys: Rollout.DeployStrategy = .rolling,
                signingKey: SigningKey? = nil, idleTimeout: Int64 = 30,
                clock: @escaping @Sendable () -> Date = { Date() }) {
        self.gate = RegistryGate(registry: registry)
        self.throttle = LoginThrottle(clock: clock)
        self.host = host
        self.context = RenderContext(host: host, identity: identity, deploys: deploys)
        self.signingKey = signingKey
        self.idleTimeout = idleTimeout
    }

    /// The router with every route; tests drive it without sockets.
    public func makeRouter() -> Router<ReviewRequestContext> {
        let router = Router(context: ReviewRequestContext.self)
        router.add(middleware: SecurityHeadersMiddleware())
        router.addRoutes(APIRoutes(server: self).collection, atPath: "/api")
        PageRoutes(server: self).register(on: router)
        return router
    }

    /// An application listening on `host:port`; `onReady` runs once the socket is bound. A
    /// connection that sends nothing, or only part of a request, for the idle timeout is closed.
    public func makeApplication(hostname: String, port: Int, onReady: @escaping @Sendable () async -> Void = {}) -> some ApplicationProtocol {
        Application(router: makeRouter(), server: .http1(configuration: .init(idleTimeout: .seconds(idleTimeout))),
                    configuration: .init(address: .hostname(hostname, port: port), serverName: "schema-review"),
                    onServerRunning: { _ in await onReady() })
    }

    /// Serves on `host:port` until the process is asked to stop; `onReady` runs once the socket is bound.
    public func run(hostname: String, port: Int, onReady: @escaping @Sendable () async -> Void = {}) async throws {
        try await makeApplication(hostname: hostname, port: port, onReady: onReady).runService()
    }

    // MARK: - Shared by API and page

    /// Who a bearer token (or the login form's token) belongs to; nil when nobody.
    ///
    /// A server that signs approvals also accepts tokens derived from its key (``ReviewToken``):
    /// they authenticate the key's holder without any row of the registry, which someone with
    /// write access to the database could have written. Failed attempts are audited and, past
    /// ``LoginThrottle/limit`` a minute, refused before they are checked.
    func principal(forToken token: String, via: String, client: String) async throws -> AuthenticatedPrincipal? {
        guard await throttle.allows(client) else { throw SchemaError(.throttled, "too many failed sign-ins; try again in a minute") }
        if let key = signingKey, let name = ReviewToken.principal(of: token, key: key, now: Date()) {
            let isAdmin = try await gate.run { try $0.isAdmin(name) }
            return AuthenticatedPrincipal(name: name, isAdmin: isAdmin, verifiedByKey: true)
        }
        if let principal = try await gate.run({ try $0.principal(forToken: token) }) { return principal }
        await throttle.recordFailure(client)
        try await gate.run { try $0.recordAudit(principal: "anonymous", action: .loginFailed, detail: "\(via) from \(client)") }
        return nil
    }

    /// A server that signs approvals takes decisions only from whoever holds its key.
    func requireSigningIdentity(_ principal: AuthenticatedPrincipal) throws {
        if let key = signingKey, !principal.verifiedByKey {
            throw SchemaError(.keyRequired, "this server signs approvals with the key '\(key.name)'; sign in with a token from `schema keys token KEYFILE`")
        }
    }

    /// Approves or rejects one item as `principal`. Returns the item as it is now; a refusal or a
    /// principal who is not an admin is thrown as a ``SchemaError`` (the registry has audited it).
    func approve(_ id: String, as principal: AuthenticatedPrincipal, allowDataLoss: Bool, allowRewrite: Bool = false) async throws -> QueueItem {
        try requireSigningIdentity(principal)
        let (key, context) = (signingKey, context)
        return try await decide(id) { registry in
            try registry.approve(.ids([id]), as: principal.name, allowDataLoss: allowDataLoss, allowRewrite: allowRewrite, signingKey: key, context: context)
        }
    }

    func reject(_ id: String, as principal: AuthenticatedPrincipal, reason: String?) async throws -> QueueItem {
        try requireSigningIdentity(principal)
        return try await decide(id) { registry in
            try registry.reject(.ids([id]), as: principal.name, reason: reason)
        }
    }

    private func decide(_ id: String, _ body: @escaping @Sendable (Registry) throws -> DecisionResult) async throws -> QueueItem {
        try await gate.run { registry in
            let result = try body(registry)
            if let item = result.accepted.first { return item }
            let refusal = result.refused.first
            throw SchemaError(refusal?.code ?? .wrongState, refusal?.message ?? "not changed", itemId: id)
        }
    }

    func detail(_ id: String) async throws -> ItemDetail? {
        let (host, context) = (self.host, self.context)
        return try await gate.run { registry in
            guard let found = try registry.item(id) else { return nil }
            let live = found.item.state == .pending || found.item.state == .approved
            let impact = live ? try registry.impact(of: [found.item], context: context)[found.item.id] : nil
            return ItemDetail(found.item, applied: found.applied, appliedUniverse: try registry.appliedEntities().map(\.structure), host: host, impact: impact)
        }
    }

    func details(in states: Set<QueueItem.State>?) async throws -> [ItemDetail] {
        let (host, context) = (self.host, self.context)
        return try await gate.run { registry in
            let appliedEntities = try registry.appliedEntities()
            let applied = Dictionary(appliedEntities.map { ($0.structure.name, $0) }, uniquingKeysWith: { first, _ in first })
            let items = try registry.items(in: states)
            let impacts = try registry.impact(of: items.filter { $0.state == .pending || $0.state == .approved }, context: context)
            return items.map { ItemDetail($0, applied: applied[$0.appliedName], appliedUniverse: appliedEntities.map(\.structure), host: host, impact: impacts[$0.id]) }
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
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: JSONText.data(value))))
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
