public import Hummingbird
import HummingbirdCore
import NIOCore
import DatasetCore
import Foundation
public import Logging
import ReviewStore

/// The review page's routes. Every request but the sign-in link and the static files needs a
/// session cookie; every form post needs the session's CSRF token; every refusal is recorded in
/// the review database (`refusals`) with the reviewer, the request and the reason.
public struct ReviewRoutes: Sendable {
    public let service: ReviewService
    /// Mark the session cookie Secure (browsers keep Secure cookies of http://127.0.0.1 and
    /// http://localhost, which count as secure origins).
    public let secureCookies: Bool
    /// Where each request is logged (method, path with sign-in tokens hidden, status, time); nil for none.
    public let accessLog: Logger?
    static let cookieName = "bd_session"

    public init(service: ReviewService, secureCookies: Bool = true, accessLog: Logger? = nil) {
        self.service = service
        self.secureCookies = secureCookies
        self.accessLog = accessLog
    }

    public func router() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        if let accessLog { router.add(middleware: AccessLog(logger: accessLog)) }
        router.get("/static/app.css") { _, _ in Self.text(Pages.css, type: "text/css; charset=utf-8") }
        router.get("/static/app.js") { _, _ in Self.text(Pages.script, type: "text/javascript; charset=utf-8") }
        router.get("/sign-in/:token") { request, context in try await signIn(request, context) }
        router.post("/sign-out") { request, _ in
            try await withSession(request, form: true) { session, _ in
                if let id = request.cookies[Self.cookieName]?.value { try await service.signOut(id) }
                var response = Self.html(Pages.message("Signed out", "Use your sign-in link to come back.", session: nil))
                response.setCookie(Cookie(name: Self.cookieName, value: "", maxAge: 0, path: "/", secure: secureCookies,
                                          httpOnly: true, sameSite: .lax))
                return response
            }
        }
        // A reviewer whose session ended asks the curator for a new link; the ended session's
        // cookie says who they are, so nobody can ask in another's name.
        router.post("/link-request") { request, _ in
            guard let id = request.cookies[Self.cookieName]?.value, let reviewer = try await service.requestNewLink(session: id) else {
                try await service.refuse(reviewer: nil, request: "POST /link-request", reason: "no session, ended or live, to ask for")
                return Self.html(Pages.message("We cannot tell who you are",
                                               "This browser holds no session of yours. Ask the curator for a new sign-in link directly.",
                                               session: nil), status: .unauthorized)
            }
            return Self.html(Pages.message("The curator has been asked",
                                           "\(reviewer.name), the curator now sees that you need a new sign-in link and will send you one. "
                                           + "What you had not sent is kept in this browser and comes back when you sign in.", session: nil))
        }
        router.get("/items/:item") { request, context in
            let item = try context.parameters.require("item")
            return try await withSession(request) { session, _ in
                Self.html(Pages.overview(try await service.itemOverview(item, for: session.reviewer), session: session))
            }
        }
        router.get("/") { request, _ in
            try await withSession(request) { session, _ in
                Self.html(Pages.dashboard(try await service.dashboard(for: session.reviewer), session: session))
            }
        }
        router.get("/batches/:batch") { request, context in
            let batch = try context.parameters.require("batch")
            // A GET form's query is encoded as a form body is ('+' for a space).
            let query = FormFields(request.uri.query ?? "")
            let filter = BatchPage.Filter(state: query["show"].flatMap(BatchPage.Filter.State.init(rawValue:)) ?? .all,
                                          subject: query["subject"], text: query["q"])
            return try await withSession(request) { session, _ in
                Self.html(Pages.batch(try await service.batchPage(batch, for: session.reviewer), session: session, filter: filter))
            }
        }
        // One parameter name per path segment (the router's tree needs it): a position here, an item id below.
        router.get("/batches/:batch/items/:item") { request, context in
            let batch = try context.parameters.require("batch")
            let position = try context.parameters.require("item", as: Int.self)
            // `saved` names the decision just stored, for a short confirmation.
            let saved = FormFields(request.uri.query ?? "")["saved"].flatMap(ReviewDecision.init(rawValue:))
            return try await withSession(request) { session, _ in
                Self.html(Pages.item(try await service.itemPage(batch, position: position, for: session.reviewer), session: session,
                                     saved: saved))
            }
        }
        router.post("/batches/:batch/items/:item/decision") { request, context in
            let batch = try context.parameters.require("batch"), item = try context.parameters.require("item")
            return try await withSession(request, form: true) { session, form in
                do {
                    let next = try await service.decide(batch, itemID: item, form: form, reviewer: session.reviewer)
                    let saved = "?saved=\(form["decision"] ?? "")"
                    return Response.redirect(to: next.map { "/batches/\(batch)/items/\($0)\(saved)" } ?? "/batches/\(batch)\(saved)", type: .normal)
                } catch let error as ReviewError {
                    return try await rejected(error.description, batch: batch, item: item, session: session, form: form)
                } catch let error where error.inputErrors != nil {
                    // Each problem is also shown next to the field it is about.
                    let errors = error.inputErrors ?? []
                    let byField = Dictionary(errors.compactMap { error in error.location.field.map { ($0, error.message) } },
                                             uniquingKeysWith: { first, _ in first })
                    return try await rejected(errors.map(\.message).joined(separator: "; "), batch: batch, item: item, session: session,
                                              form: form, fieldErrors: byField)
                }
            }
        }
        router.post("/batches/:batch/approve-rest") { request, context in
            let batch = try context.parameters.require("batch")
            return try await withSession(request, form: true) { session, form in
                // First the reviewer sees what would be approved; the confirmation names how many.
                guard form["confirm"] == "yes", let count = form["count"].flatMap(Int.init) else {
                    let (page, open) = try await service.itemsToApprove(batch, reviewer: session.reviewer)
                    return Self.html(Pages.confirmApproveRest(page, open: open, session: session))
                }
                _ = try await service.approveRest(batch, reviewer: session.reviewer, confirmed: count)
                return Response.redirect(to: "/batches/\(batch)", type: .normal)
            }
        }
        return router
    }

    /// Serves the page on `host`:`port` (0 picks a free port) until the process is told to stop
    /// (SIGINT or SIGTERM end it gracefully); `onRunning` gets the port it listens on.
    /// A connection idle this long is closed, and at most `maxConnections` are open at once
    /// (later ones wait in the listen backlog), so that idle or flooding clients cannot hold
    /// the server.
    public func run(host: String, port: Int, idleTimeout: Duration = .seconds(60), maxConnections: Int = 256,
                    onRunning: @escaping @Sendable (Int) async -> Void) async throws {
        let idle = TimeAmount.nanoseconds(Int64(idleTimeout.components.seconds) * 1_000_000_000 + idleTimeout.components.attoseconds / 1_000_000_000)
        let app = Application(router: router(), server: .http1(configuration: .init(idleTimeout: idle)),
                              configuration: .init(address: .hostname(host, port: port), serverName: "build-dataset review",
                                                   availableConnectionsDelegate: MaximumAvailableConnections(maxConnections)),
                              onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? port) })
        try await app.runService()
    }

    // MARK: Handlers

    func signIn(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let token = try context.parameters.require("token")
        guard let (id, session) = try await service.signIn(token: token) else {
            try await service.refuse(reviewer: nil, request: "GET /sign-in", reason: "sign-in link unknown, used or expired")
            return Self.html(Pages.message("This sign-in link does not work",
                                           "It has been used already or has expired. Ask the curator for a new one.", session: nil),
                             status: .forbidden)
        }
        var response = Response.redirect(to: "/", type: .normal)
        response.setCookie(Cookie(name: Self.cookieName, value: id, maxAge: Int(session.expiresAt.timeIntervalSince(service.now())), path: "/",
                                  secure: secureCookies, httpOnly: true, sameSite: .lax))
        return response
    }

    /// Runs `body` for a signed-in reviewer; with `form`, reads the posted form and checks its
    /// CSRF token first. Refusals are recorded and answered with a page that says why.
    func withSession(_ request: Request, form: Bool = false,
                     _ body: (ReviewSession, FormFields) async throws -> Response) async throws -> Response {
        let described = "\(request.method) \(request.uri.path)"
        guard let id = request.cookies[Self.cookieName]?.value, let session = try await service.session(id) else {
            try await service.refuse(reviewer: nil, request: described, reason: "not signed in (no session, or it expired)")
            // A sign-in link works once: a reviewer whose session ended needs a new one.
            return Self.html(Pages.signInNeeded(sessionEnded: request.cookies[Self.cookieName] != nil), status: .unauthorized)
        }
        var fields = FormFields("")
        if form {
            var request = request
            let buffer = try await request.collectBody(upTo: 1 << 20)
            fields = FormFields(String(buffer: buffer))
            guard let token = fields["csrf"], Self.constantTimeEqual(token, session.csrfToken) else {
                try await service.refuse(reviewer: session.reviewer.id, request: described, reason: "missing or wrong CSRF token")
                return Self.html(Pages.message("Form expired", "Reload the page and try again.", session: session), status: .forbidden)
            }
        }
        do {
            return try await body(session, fields)
        } catch let denied as AccessDenied {
            try await service.refuse(reviewer: session.reviewer.id, request: described, reason: denied.reason)
            let status: HTTPResponse.Status = switch denied.status {
            case .unauthorized: .unauthorized
            case .forbidden: .forbidden
            case .notFound: .notFound
            case .conflict: .conflict
            }
            return Self.html(Pages.message("Not available", denied.reason, session: session), status: status)
        }
    }

    /// The item page again with what was wrong with the submitted decision.
    func rejected(_ message: String, batch: String, item: String, session: ReviewSession, form: FormFields,
                  fieldErrors: [String: String] = [:]) async throws -> Response {
        let position = try await service.position(of: item, in: batch, for: session.reviewer)
        let page = try await service.itemPage(batch, position: position, for: session.reviewer)
        return Self.html(Pages.item(page, session: session, error: message, fieldErrors: fieldErrors, submitted: form),
                         status: .unprocessableContent)
    }

    // MARK: Responses

    static func html(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        var headers: HTTPFields = [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"]
        headers[.contentSecurityPolicy] = "default-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; form-action 'self'"
        headers[.init("Referrer-Policy")!] = "no-referrer"
        headers[.init("X-Content-Type-Options")!] = "nosniff"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func text(_ text: String, type: String) -> Response {
        Response(status: .ok, headers: [.contentType: type, .cacheControl: "max-age=300"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let (x, y) = (Array(a.utf8), Array(b.utf8))
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}

/// One line per request: method, path (a sign-in token replaced by `…`), status and milliseconds.
struct AccessLog<Context: RequestContext>: RouterMiddleware {
    let logger: Logger

    static func redacted(_ path: String) -> String {
        path.hasPrefix("/sign-in/") ? "/sign-in/…" : path
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let described = "\(request.method) \(Self.redacted(request.uri.path))"
        func milliseconds() -> String {
            let elapsed = ContinuousClock.now - start
            return String(format: "%.1f", Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15)
        }
        do {
            let response = try await next(request, context)
            logger.info("\(described) \(response.status.code) \(milliseconds()) ms")
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status.code ?? 500
            logger.info("\(described) \(status) \(milliseconds()) ms")
            throw error
        }
    }
}
