import Foundation
import MeghnaCore
import RouterOS
import Vapor

/// An RFC 9457 problem document.
struct Problem: Content {
    struct Item: Content {
        var field: String
        var message: String
    }

    var type: String
    var title: String
    var status: Int
    var detail: String
    var errors: [Item]?
    var requestID: String?

    enum CodingKeys: String, CodingKey {
        case type, title, status, detail, errors
        case requestID = "request_id"
    }
}

/// Turns every error into a problem+json for the API or a page for people. Bad input never
/// becomes a 500; real 500s are logged loudly with the request id.
struct ErrorRenderingMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        do {
            return try await next.respond(to: request)
        } catch {
            return await Self.render(error, for: request)
        }
    }

    static func classify(_ error: any Error) -> (status: HTTPStatus, title: String, detail: String, errors: [FieldError], headers: HTTPHeaders) {
        switch error {
        case let domain as DomainError:
            switch domain {
            case .validation(let errors):
                return (.unprocessableEntity, "Validation failed", errors.map(\.description).joined(separator: "; "), errors, [:])
            case .notFound: return (.notFound, "Not found", domain.description, [], [:])
            case .conflict(let m): return (.conflict, "Conflict", m, [], [:])
            case .forbidden(let m): return (.forbidden, "Forbidden", m, [], [:])
            case .unauthorized(let m): return (.unauthorized, "Unauthorized", m, [], ["WWW-Authenticate": "Bearer"])
            case .throttled(let after, let m): return (.tooManyRequests, "Too many requests", m, [], ["Retry-After": String(after)])
            }
        case let decoding as DecodingError:
            return classify(decoding)
        case let expired as FormExpired:
            return (expired.status, "Form expired", expired.reason, [], [:])
        case let router as RouterOSError:
            // The router, not Meghna, failed: say exactly what, in the client's words (they
            // never carry a password).
            return (.badGateway, "Router error", router.description, [], [:])
        case let abort as any AbortError:
            var detail = abort.reason
            if abort.status == .payloadTooLarge { detail = "The request body is too large." }
            if abort.status == .notFound, detail == "Not Found" { detail = "There is nothing at this address." }
            if abort.status == .unsupportedMediaType { detail = "Send the body as application/json." }
            return (abort.status, abort.status.reasonPhrase, detail, [], abort.headers)
        default:
            return (.internalServerError, "Internal server error", "Something went wrong on our side. It has been logged.", [], [:])
        }
    }

    static func classify(_ error: DecodingError) -> (status: HTTPStatus, title: String, detail: String, errors: [FieldError], headers: HTTPHeaders) {
        func path(_ keys: [any CodingKey]) -> String {
            var out = ""
            for key in keys {
                if let index = key.intValue { out += "[\(index)]" } else { out += out.isEmpty ? key.stringValue : ".\(key.stringValue)" }
            }
            return out.isEmpty ? "body" : out
        }
        switch error {
        case .typeMismatch(let type, let context):
            let field = path(context.codingPath)
            let message = "must be \(describe(type))"
            return (.unprocessableEntity, "Validation failed", "\(field) \(message)", [FieldError(field, message)], [:])
        case .valueNotFound(let type, let context):
            let field = path(context.codingPath)
            let message = "must be \(describe(type)), not null"
            return (.unprocessableEntity, "Validation failed", "\(field) \(message)", [FieldError(field, message)], [:])
        case .keyNotFound(let key, let context):
            let field = path(context.codingPath + [key])
            return (.unprocessableEntity, "Validation failed", "\(field) is required", [FieldError(field, "is required")], [:])
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty {
                return (.badRequest, "Malformed request", "The body is not valid JSON.", [], [:])
            }
            let field = path(context.codingPath)
            return (.unprocessableEntity, "Validation failed", "\(field) is not valid", [FieldError(field, "is not valid")], [:])
        @unknown default:
            return (.badRequest, "Malformed request", "The body could not be read.", [], [:])
        }
    }

    static func describe(_ type: Any.Type) -> String {
        let name = String(describing: type)
        if name.contains("String") { return "a string" }
        if name.contains("Int") { return "a whole number" }
        if name.contains("Bool") { return "true or false" }
        if name.contains("Array") { return "an array" }
        if name.contains("Dictionary") { return "an object" }
        return "a \(name)"
    }

    static func isAPI(_ request: Request) -> Bool {
        request.url.path.hasPrefix("/api/")
    }

    static func render(_ error: any Error, for request: Request) async -> Response {
        var (status, title, detail, fieldErrors, headers) = classify(error)
        let requestID = request.logger[metadataKey: "request_id"].map { "\($0)" }
        if status.code >= 500, !(error is RouterOSError) {
            // Method and path (one-time tokens hidden) say where, even when request lines are not logged.
            request.logger.error("unhandled error", metadata: ["error": .string(String(reflecting: error)), "method": .string(request.method.rawValue),
                                                              "path": .string(RequestContextMiddleware.loggedPath(request))])
            // Internal details stay in the log; people get the reference.
            title = "Internal server error"
            detail = "Something went wrong on our side. It has been logged."
        }
        if isAPI(request) || request.url.path == "/metrics" {
            let slug = title.lowercased().replacingOccurrences(of: " ", with: "-")
            let problem = Problem(type: "urn:meghna:problem:\(slug)", title: title, status: Int(status.code), detail: detail,
                                  errors: fieldErrors.isEmpty ? nil : fieldErrors.map { .init(field: $0.field, message: $0.message) },
                                  requestID: requestID)
            let response = Response(status: status, headers: headers)
            do {
                try response.content.encode(problem, using: JSONEncoder())
            } catch {
                response.body = .init(string: "{\"title\":\"\(title)\",\"status\":\(status.code)}")
            }
            response.headers.contentType = HTTPMediaType(type: "application", subType: "problem+json")
            return response
        }
        if status == .unauthorized {
            let next = request.url.path.hasPrefix(PlatformRoutes.login.link.path) ? PlatformRoutes.login.link.path : withNext(PlatformRoutes.login.link, request.url.path)
            return request.redirect(to: next)
        }
        var html = HTML(capacity: 2_048)
        ErrorPages.render(status: status, formExpired: error is FormExpired, title: title, detail: detail, requestID: requestID, into: &html)
        let response = html.response(status: status)
        response.headers.add(contentsOf: headers)
        return response
    }
}

/// The pages people see when something fails: plain public pages built from the error alone
/// (no database, no session), so they render even when nothing else works.
enum ErrorPages {
    static func render(status: HTTPStatus, formExpired: Bool, title: String, detail: String, requestID: String?, into html: inout HTML) {
        switch status {
        case .forbidden where !formExpired:
            html.publicLayout(context("Not allowed")) { h in
                h.raw("<h1>You cannot open this page</h1>")
                h.el("p", text: detail)
                h.raw(#"<p class="muted">Ask an administrator if you need this permission.</p>"#)
                h.backToDashboard()
            }
        case .notFound:
            html.publicLayout(context("Not found")) { h in
                h.raw("<h1>Not found</h1>")
                h.el("p", text: detail)
                h.backToDashboard()
            }
        default:
            html.publicLayout(context(title)) { h in
                h.el("h1", text: title)
                h.el("p", text: detail)
                if let requestID {
                    h.el("p", [.class("muted")]) { h in
                        h.raw("Reference: ")
                        h.text(requestID)
                    }
                }
                h.backToDashboard()
            }
        }
    }

    /// The layout's context without anything from the request: no flash is shown or used up.
    private static func context(_ title: String) -> PageContext {
        PageContext(title: title, csrf: "", crossing: false, nav: [], organizations: [], canSwitch: false, branches: [], allBranches: true,
                    canSwitchBranch: false)
    }
}

private extension HTML {
    mutating func backToDashboard() {
        el("p") { h in h.el("a", [.class("btn"), .href(PlatformRoutes.dashboard.link)], text: "Back to the dashboard") }
    }
}
