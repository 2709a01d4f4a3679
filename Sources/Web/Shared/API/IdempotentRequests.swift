import Foundation
import MeghnaCore
import Platform
import Vapor

/// Runs an `idempotent` operation under its request's `Idempotency-Key` (`IdempotencyKeys`):
/// the first request with a key runs and its answer (any below 500) is kept; a retry with the
/// same key and body gets that answer again, marked `Idempotent-Replayed: true`, waiting for the
/// first if it is still running; the same key with another body is a 422 naming the header.
enum IdempotentRequests {
    /// How long a retry waits for the first request to answer before a 409.
    static let wait: Duration = .seconds(30)

    static func run(_ req: Request, key: String, _ handler: @Sendable (Request) async throws -> Response) async throws -> Response {
        guard IdempotencyKeys.isValid(key) else { throw DomainError.invalid("Idempotency-Key", "must be 1 to 255 visible ASCII characters") }
        let ctx = try req.ctx
        guard let user = ctx.actor.userID else { return try await handler(req) }
        let body = req.body.data.map { Data(buffer: $0) } ?? Data()
        let hash = IdempotencyKeys.requestHash(method: req.method.rawValue, path: req.url.path, body: body)
        let started = ContinuousClock.now
        while true {
            switch try await IdempotencyKeys.claim(organizationID: ctx.organizationID, principal: "user:\(user.lowercasedText)", key: key, requestHash: hash,
                                                   now: Date(), on: req.db) {
            case .claimed(let id):
                let response: Response
                do {
                    response = try await handler(req)
                } catch {
                    // No answer to keep (a refusal is answered again by running again): let it go.
                    try? await IdempotencyKeys.release(id, on: req.db)
                    throw error
                }
                if response.status.code < 500, let buffer = response.body.buffer {
                    try await IdempotencyKeys.finish(id, status: Int(response.status.code),
                                                     contentType: response.headers.first(name: .contentType) ?? "application/json",
                                                     body: Data(buffer: buffer), on: req.db)
                } else {
                    try? await IdempotencyKeys.release(id, on: req.db)
                }
                return response
            case .replay(let status, let contentType, let kept):
                let response = Response(status: HTTPResponseStatus(statusCode: status), body: .init(data: kept))
                response.headers.replaceOrAdd(name: .contentType, value: contentType)
                response.headers.replaceOrAdd(name: "Idempotent-Replayed", value: "true")
                return response
            case .mismatch:
                throw DomainError.invalid("Idempotency-Key", "was used for a different request; send a new key")
            case .running:
                guard ContinuousClock.now - started < wait else {
                    throw DomainError.conflict("A request with this Idempotency-Key is still running; retry shortly.")
                }
                try await Task.sleep(for: .milliseconds(40))
            }
        }
    }
}
