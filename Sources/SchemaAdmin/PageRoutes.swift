import Foundation
import HTTPTypes
import Hummingbird
import SchemaCore
import SchemaRegistry

/// The review page: login (token form or single-use code), the pending queue with diff, SQL and
/// Prisma per item, approve/reject forms with CSRF tokens. Non-admins see the page read-only.
struct PageRoutes {
    let server: ReviewServer
    static let cookieName = "schema_session"

    func register(on router: Router<ReviewRequestContext>) {
        router.get("/login") { request, context in
            if let code = request.uri.queryParameters.get("code") {
                guard await server.throttle.allows(context.client) else {
                    return Reply.html(loginPage(error: "Too many failed sign-ins. Try again in a minute."), status: .tooManyRequests)
                }
                guard let principal = try await server.gate.run({ try $0.redeemLoginCode(code) }) else {
                    await server.throttle.recordFailure(context.client)
                    try await server.gate.run { try $0.recordAudit(principal: "anonymous", action: .loginFailed, detail: "login code from \(context.client)") }
                    return Reply.html(loginPage(error: "That login link is unknown, used or expired."), status: .unauthorized)
                }
                return try await startSession(principal)
            }
            return Reply.html(loginPage(error: nil))
        }
        router.post("/login") { request, context in
            // A sign-in posted from another site (login CSRF, or burning the throttle with the
            // victims' browsers) is refused before anything is checked or counted.
            if Self.isCrossSite(request) { throw HTTPError(.forbidden, message: "sign-in from another site refused") }
            let form = try await formFields(request)
            guard let token = form["token"], !token.isEmpty else { return Reply.html(loginPage(error: "Enter a token."), status: .unauthorized) }
            let found: AuthenticatedPrincipal?
            do {
                found = try await server.principal(forToken: token, via: "login form", client: context.client)
            } catch let error as SchemaError where error.code == .throttled {
                return Reply.html(loginPage(error: "Too many failed sign-ins. Try again in a minute."), status: .tooManyRequests)
            }
            guard let principal = found else { return Reply.html(loginPage(error: "Unknown token."), status: .unauthorized) }
            try await server.gate.run { try $0.recordAudit(principal: principal.name, action: .login, detail: "token") }
            return try await startSession(principal)
        }
        router.post("/logout") { request, _ in
            if Self.isCrossSite(request) { throw HTTPError(.forbidden, message: "sign-out from another site refused") }
            if let id = request.cookies[Self.cookieName]?.value { await server.sessions.remove(id) }
            var response = Reply.redirect("/login")
            response.setCookie(Cookie(name: Self.cookieName, value: "", maxAge: 0, path: "/", httpOnly: true, sameSite: .strict))
            return response
        }
        router.get("/") { request, _ in
            guard let (_, session) = await currentSession(request) else { return Reply.redirect("/login") }
            let pending = try await server.details(in: [.pending])
            let recent = try await server.details(in: [.approved, .failed])
            let status = try await server.gate.run { try $0.status() }
            return Reply.html(reviewPage(session: session, pending: pending, recent: recent, status: status,
                                         notice: request.uri.queryParameters.get("notice")))
        }
        router.post("/review/:id/:decision") { request, context in
            guard let (_, session) = await currentSession(request) else { throw HTTPError(.unauthorized, message: "log in first") }
            if Self.isCrossSite(request) { throw HTTPError(.forbidden, message: "a decision from another site refused") }
            let form = try await formFields(request)
            guard let csrf = form["csrf"], csrf == session.csrfToken else { throw HTTPError(.forbidden, message: "invalid or missing CSRF token") }
            let id = try context.parameters.require("id")
            let decision = try context.parameters.require("decision")
            guard decision == "approve" || decision == "reject" else { throw HTTPError(.notFound) }
            func notice(_ text: String) -> Response {
                Reply.redirect("/?notice=" + (text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""))
            }
            do {
                let item = decision == "approve"
                    ? try await server.approve(id, as: session.principal, allowDataLoss: form["acknowledgeDataLoss"] == "yes",
                                                  allowRewrite: form["acknowledgeRewrite"] == "yes")
                    : try await server.reject(id, as: session.principal, reason: form["reason"].flatMap { $0.isEmpty ? nil : $0 })
                return notice("\(item.id) \(item.state.rawValue)")
            } catch let error as SchemaError {
                let status = HTTPStatusMapping.status(for: error.code)
                // Refusals about the item go back to the page; who may decide and what exists are HTTP errors.
                guard status == .conflict else { throw HTTPError(status, message: error.message) }
                let advice = switch error.code {
                case .dataLossNotAcknowledged: " Tick the data-loss box to approve it."
                case .rewriteNotAcknowledged: " Tick the table-rewrite box to approve it."
                default: ""
                }
                return notice("\(id) not changed: \(error.message).\(advice)")
            }
        }
    }

    func startSession(_ principal: AuthenticatedPrincipal) async throws -> Response {
        let position = try await server.gate.run { try $0.auditPosition() }
        let (id, _) = await server.sessions.create(for: principal, auditPosition: position)
        var response = Reply.redirect("/")
        response.setCookie(Cookie(name: Self.cookieName, value: id, maxAge: 8 * 3600, path: "/", httpOnly: true, sameSite: .strict))
        return response
    }

    /// The request's session, checked against the registry on every request: it ends when the
    /// principal's tokens were revoked or the admin removed since it began (`schema admin revoke`
    /// in another process), and whether the principal is an admin is read again.
    func currentSession(_ request: Request) async -> (String, SessionStore.Session)? {
        guard let id = request.cookies[Self.cookieName]?.value, var session = await server.sessions.session(id) else { return nil }
        let (name, position) = (session.principal.name, session.auditPosition)
        guard let (revoked, isAdmin) = try? await server.gate.run({ registry in
            (try registry.wasRevoked(name, after: position), try registry.isAdmin(name))
        }), !revoked else {
            await server.sessions.remove(id)
            return nil
        }
        session.principal.isAdmin = isAdmin
        return (id, session)
    }

    /// Whether a browser sent the request from another site: `Sec-Fetch-Site: cross-site`, or an
    /// `Origin` whose host is not the one the request was sent to. Clients that send neither
    /// (curl, scripts) are not browsers a forged page can drive.
    static func isCrossSite(_ request: Request) -> Bool {
        if let name = HTTPField.Name("Sec-Fetch-Site"), request.headers[name] == "cross-site" { return true }
        guard let origin = request.headers[.origin] else { return false }
        guard let host = request.head.authority, let url = URL(string: origin), let originHost = url.host.map({ host in url.port.map { "\(host):\($0)" } ?? host })
        else { return true }
        return originHost.lowercased() != host.lowercased()
    }

    func formFields(_ request: Request) async throws -> [String: String] {
        let buffer = try await request.body.collect(upTo: 64 * 1024)
        var fields: [String: String] = [:]
        for pair in String(buffer: buffer).split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? "" }
            if let key = parts.first { fields[key] = parts.count > 1 ? parts[1] : "" }
        }
        return fields
    }

    // MARK: - Pages

    func loginPage(error: String?) -> String {
        HTML.page(title: "Sign in · schema review", body: """
            <header><strong>Package schema review</strong></header>
            <main><h1>Sign in</h1>
            \(error.map { "<p class=\"notice\">\(HTML.escape($0))</p>" } ?? "")
            <form method="post" action="/login"><p><label>API token<br><input type="password" name="token" size="48" autocomplete="off" required></label></p>
            <p><button type="submit">Sign in</button></p></form>
            <p class="muted">Get a token with <code>schema admin token NAME</code>, or a one-time link with <code>schema admin login-link NAME</code>.</p></main>
            """)
    }

    func reviewPage(session: SessionStore.Session, pending: [ItemDetail], recent: [ItemDetail], status: RegistryStatus, notice: String?) -> String {
        let principal = session.principal
        var body = """
            <header><strong>Package schema review</strong><span>\(HTML.escape(principal.name)) · \(principal.isAdmin ? "admin" : "read-only")
            <form method="post" action="/logout" style="display:inline"><button type="submit">Sign out</button></form></span></header><main>
            """
        if let notice { body += "<p class=\"notice\">\(HTML.escape(notice))</p>" }
        body += "<p class=\"muted\">" + QueueItem.State.allCases.map { "\(status.counts[$0] ?? 0) \($0.rawValue)" }.joined(separator: " · ")
            + (status.restartNeeded ? " — approved changes are applied at the next container start" : "") + "</p>"
        body += rolloutsSection(status)
        body += "<h1 id=\"pending\">Pending changes (\(pending.count))</h1>"
        if pending.isEmpty { body += "<p>Nothing waits for review.</p>" }
        for item in pending { body += itemSection(item, session: session) }
        if !recent.isEmpty {
            body += "<h2>Approved or failed</h2><table>"
            for item in recent {
                body += "<tr><td><code>\(HTML.escape(item.id))</code></td><td>\(HTML.escape(item.state))</td><td>\(HTML.escape(item.action)) \(HTML.escape(item.entity))</td><td>\(HTML.escape(item.error ?? ""))</td></tr>"
            }
            body += "</table>"
        }
        return HTML.page(title: "Pending changes · schema review", body: body + "</main>")
    }

    /// The changes being rolled out: the version before them still runs against the expanded
    /// tables, and nothing else changes those tables until `complete` or `rollback` ends them
    /// (from the command line: they take an admin's name, as approvals do).
    func rolloutsSection(_ status: RegistryStatus) -> String {
        guard !status.rollouts.isEmpty else { return "" }
        var html = "<h2 id=\"rollouts\">Rolling out (\(status.rollouts.count))</h2><ul>"
        for rollout in status.rollouts {
            let entity = HTML.escape(rollout.entity)
            let expanded = [rollout.expandedBy.map { "by \(HTML.escape($0))" }, rollout.expandedAt.map { "at \(HTML.escape($0))" }].compactMap { $0 }
            html += "<li><strong>\(entity)</strong> <code class=\"muted\">\(HTML.escape(rollout.itemId))</code>"
                + (expanded.isEmpty ? "" : " expanded " + expanded.joined(separator: " ")) + ": "
            if let end = status.begun[rollout.entity] {
                html += "<code>schema \(end.rawValue)</code> began and did not finish; run <code>schema \(end.rawValue) \(entity) --as ADMIN</code> again to finish it"
            } else {
                html += "the version before keeps working; run <code>schema complete \(entity) --as ADMIN</code> once it no longer runs, "
                    + "or <code>schema rollback \(entity) --as ADMIN</code>. Other changes of \(entity) wait until then"
            }
            html += "</li>"
        }
        return html + "</ul>"
    }

    func itemSection(_ item: ItemDetail, session: SessionStore.Session) -> String {
        var html = "<section class=\"item\(item.destructive ? " destructive" : "")\" id=\"item-\(HTML.escape(item.id))\"><h3>"
            + "<span class=\"badge \(HTML.escape(item.action))\">\(HTML.escape(item.action))</span> \(HTML.escape(item.entity))"
            + (item.destructive ? "<span class=\"badge danger\">DESTRUCTIVE</span>" : "")
            + (item.rewritesTable ? "<span class=\"badge danger\">REWRITES TABLE</span>" : "")
            + " <code class=\"muted\">\(HTML.escape(item.id))</code></h3>"
        html += "<p class=\"muted\">packages: \(HTML.escape(item.packages.joined(separator: ", "))) · checksum \(HTML.escape(short(item.fromChecksum))) → \(HTML.escape(short(item.toChecksum)))</p>"
        if !item.risks.isEmpty { html += "<ul>" + item.risks.map { "<li><strong>\(HTML.escape($0))</strong></li>" }.joined() + "</ul>" }
        html += "<ul>" + item.differences.map { "<li>\(HTML.escape($0))</li>" }.joined() + "</ul>"
        if let impact = item.impact, !impact.lines.isEmpty {
            html += "<h4>Impact on the database now</h4><ul class=\"impact\">" + impact.lines.map { line in
                "<li\(line.hasPrefix("BLOCKS APPLY") ? " class=\"danger\"" : "")>\(HTML.escape(line))</li>"
            }.joined() + "</ul>"
        }
        // Built from escaped names by DiagramSVG; no text from the request reaches it.
        if let diagram = item.diagram { html += "<details open class=\"diagram\"><summary>Diagram</summary>\(diagram)</details>" }
        if let parts = item.parts {
            // One approval covers the three parts: each is shown with who runs it and when.
            for part in SQLStatement.Part.allCases {
                let title = switch part {
                case .expand: "SQL of the expand (run by the start; the version running now keeps working)"
                case .contract: "SQL of the contract (run by <code>schema complete</code> once no old version runs)"
                case .rollback: "SQL of the rollback (run by <code>schema rollback</code> instead of the contract)"
                }
                html += "<details><summary>\(title)</summary><pre>\(HTML.escape(parts[part.rawValue] ?? ""))</pre></details>"
            }
        } else {
            html += "<details><summary>SQL</summary><pre>\(HTML.escape(item.sql))</pre></details>"
        }
        if let instead = item.impact?.runsInstead {
            html += "<details open><summary>SQL a start runs instead of the start's part above, for this database's shape (see the impact)</summary><pre>"
                + HTML.escape(instead.map { $0 + ";" }.joined(separator: "\n")) + "</pre></details>"
        }
        if let prisma = item.prisma { html += "<details><summary>Prisma</summary><pre>\(HTML.escape(prisma))</pre></details>" }
        if session.principal.isAdmin {
            let csrf = "<input type=\"hidden\" name=\"csrf\" value=\"\(HTML.escape(session.csrfToken))\">"
            html += "<div class=\"actions\"><form method=\"post\" action=\"/review/\(HTML.escape(item.id))/approve\">\(csrf)"
            if item.destructive {
                html += "<label><input type=\"checkbox\" name=\"acknowledgeDataLoss\" value=\"yes\" required> I accept that this change deletes data</label> "
            }
            if item.rewritesTable {
                html += "<label><input type=\"checkbox\" name=\"acknowledgeRewrite\" value=\"yes\" required> I accept that reads and writes of the table wait while it is rewritten</label> "
            }
            html += "<button class=\"approve\" type=\"submit\">Approve</button></form>"
            html += "<form method=\"post\" action=\"/review/\(HTML.escape(item.id))/reject\">\(csrf)<input name=\"reason\" placeholder=\"reason\" size=\"30\"> <button class=\"reject\" type=\"submit\">Reject</button></form></div>"
        }
        return html + "</section>"
    }

    func short(_ checksum: String?) -> String { Checksum.short(checksum) }
}
