import Foundation
import Hummingbird
import SchemaCore
import SchemaRegistry

/// The JSON API. Every route needs `Authorization: Bearer TOKEN` (`schema admin token NAME`);
/// reading needs any principal, approving and rejecting an admin.
struct APIRoutes {
    let server: ReviewServer

    var collection: RouteCollection<ReviewRequestContext> {
        let routes = RouteCollection(context: ReviewRequestContext.self)
        routes.get("status") { request, context in
            _ = try await authenticate(request, context)
            return Reply.json(StatusBody(try await server.gate.run { try $0.status() }))
        }
        routes.get("migrations") { request, context in
            _ = try await authenticate(request, context)
            let text = request.uri.queryParameters.get("status") ?? "pending"
            guard text == "all" || QueueItem.State(rawValue: text) != nil else {
                return Reply.error(.badRequest, "status must be one of \(QueueItem.State.allCases.map(\.rawValue).joined(separator: ", ")) or all")
            }
            let states: Set<QueueItem.State>? = QueueItem.State(rawValue: text).map { [$0] }
            return Reply.json(try await server.details(in: states))
        }
        routes.get("migrations/:id") { request, context in
            _ = try await authenticate(request, context)
            let id = try context.parameters.require("id")
            guard let detail = try await server.detail(id) else { return Reply.error(.notFound, "no queue item \(id)") }
            return Reply.json(detail)
        }
        routes.post("migrations/:id/approve") { request, context in
            let principal = try await authenticate(request, context)
            let body = try await decodeOptional(ApproveBody.self, request, context)
            let id = try context.parameters.require("id")
            return await respond { try await server.approve(id, as: principal, allowDataLoss: body?.allowDataLoss ?? false,
                                                                  allowRewrite: body?.allowRewrite ?? false) }
        }
        routes.post("migrations/:id/reject") { request, context in
            let principal = try await authenticate(request, context)
            let body = try await decodeOptional(RejectBody.self, request, context)
            let id = try context.parameters.require("id")
            return await respond { try await server.reject(id, as: principal, reason: body?.reason) }
        }
        routes.get("audit") { request, context in
            _ = try await authenticate(request, context)
            let limit = request.uri.queryParameters.get("limit", as: Int.self) ?? 200
            return Reply.json(try await server.gate.run { try $0.audit(limit: max(1, min(limit, 10_000))) })
        }
        return routes
    }

    func authenticate(_ request: Request, _ context: ReviewRequestContext) async throws -> AuthenticatedPrincipal {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else {
            throw HTTPError(.unauthorized, headers: [.wwwAuthenticate: "Bearer"], message: "authentication required: send Authorization: Bearer TOKEN")
        }
        let token = String(header.dropFirst("Bearer ".count)).trimmingCharacters(in: .whitespaces)
        let found: AuthenticatedPrincipal?
        do {
            found = try await server.principal(forToken: token, via: "api token", client: context.client)
        } catch let error as SchemaError where error.code == .throttled {
            throw HTTPError(.tooManyRequests, message: error.message)
        }
        guard let principal = found else {
            throw HTTPError(.unauthorized, headers: [.wwwAuthenticate: "Bearer"], message: "unknown token")
        }
        return principal
    }

    func decodeOptional<T: Decodable>(_ type: T.Type, _ request: Request, _ context: ReviewRequestContext) async throws -> T? {
        let buffer = try await request.body.collect(upTo: 64 * 1024)
        guard buffer.readableBytes > 0 else { return nil }
        do {
            return try JSONDecoder().decode(type, from: Data(buffer: buffer))
        } catch {
            throw HTTPError(.badRequest, message: "the body is not valid JSON for this request")
        }
    }

    /// The item's id and new state, or the refusal with its code and the API's advice.
    func respond(_ decide: () async throws -> QueueItem) async -> Response {
        do {
            let item = try await decide()
            return Reply.json(["id": item.id, "state": item.state.rawValue])
        } catch let error as SchemaError {
            let advice = HTTPStatusMapping.advice(for: error.code).map { "; \($0)" } ?? ""
            return Reply.json(["error": error.message + advice, "code": error.code.rawValue], status: HTTPStatusMapping.status(for: error.code))
        } catch {
            return Reply.error(.internalServerError, "\(error)")
        }
    }
}
