import CRM
import Foundation
import MeghnaCore
import MeghnaNetwork
import Platform
import RouterOSSim
import Testing
import TestSupport
import Vapor
@testable import Web

/// A body for `op` made of those candidates its schema accepts, judged one by one (nil when
/// the operation takes no body), so route walks reach the record lookup instead of a 422.
func fittingBody(for op: APIOperation, from candidates: [String: Any]) throws -> [String: Any]? {
    guard let schema = op.body else { return nil }
    func errors(_ body: [String: Any]) throws -> [FieldError] {
        var found: [FieldError] = []
        schema.validate(try #require(JSONValue.parse(try JSONSerialization.data(withJSONObject: body))), into: &found)
        return found
    }
    var out: [String: Any] = [:]
    for (key, value) in candidates {
        let own = try errors([key: value]).filter { $0.field == key || $0.field.hasPrefix(key + ".") || $0.field.hasPrefix(key + "[") }
        if own.isEmpty { out[key] = value }
    }
    let left = try errors(out)
    #expect(left.isEmpty, "\(op.method) \(op.path): no body fits its schema: \(left)")
    return out
}

/// What the document promises, checked against the running application.
@Suite("API contract", .serialized)
struct APIContractTests {
    /// Every GET answers as its schema says: each key documented, each required key there.
    @Test func everyReadAnswersExactlyAsDocumented() async throws {
        try await withApp { t in
            let tenant = try await t.makeTenant("Alpha Net", platformAdmin: true)
            let crm = try await CRMFixtures.make(t, in: tenant)
            _ = try await t.api(.POST, "/api/v1/customers/\(crm.customer.id!)/activities", token: tenant.token, json: ["kind": "call", "body": "Hello"])
            // The fixture router answers here (a simulator with a customer online and one heartbeat
            // behind it), so its live sessions and history have items to check.
            let simulator = try await RouterOSSimulator.start(.init(username: "fixture", password: "fixture-router-secret"))
            defer { Task { await simulator.stop() } }
            simulator.connectPPP(name: "fixture-ppp", address: "10.9.9.9")
            crm.router.port = simulator.port
            try await crm.router.save(on: t.db)
            try await Heartbeat.beat(.init(routerID: crm.router.id!, organizationID: tenant.id), link: t.app.meghna.routers, services: t.services, on: t.db)
            var ids = crm.fixtures
            var checked = 0
            for op in t.app.apiOperations.sorted(by: { $0.path.count < $1.path.count }) where op.method == .GET && op.authenticated {
                var path = op.path
                if path.contains("{") {
                    if ids[path] == nil, let collection = path.components(separatedBy: "/{").first,
                       let first = try await t.api(.GET, "/api/v1" + collection, token: tenant.token).data.first?["id"] as? String {
                        ids[path] = first
                    }
                    let id = try #require(ids[path], "no id to read \(op.path) with")
                    path = CRMFixtures.fill(path, id)
                }
                let result = try await t.api(.GET, "/api/v1" + path, token: tenant.token)
                #expect(result.status.code == UInt(op.success), "GET \(op.path): \(result.status) \(result.text)")
                if op.responseType != "application/json" {
                    #expect(result.headers.contentType?.serialize().hasPrefix(op.responseType) == true, "GET \(op.path)")
                    continue
                }
                let schema = try #require(op.response, "GET \(op.path) documents no answer")
                var errors: [FieldError] = []
                schema.closed.validate(try #require(JSONValue.parse(Data(result.text.utf8))), into: &errors)
                #expect(errors.isEmpty, "GET \(op.path) answers differently from its schema: \(errors)")
                if case .object(let members) = JSONValue.parse(Data(result.text.utf8)), case .array(let items)? = members["data"] {
                    #expect(!items.isEmpty, "GET \(op.path) listed nothing, so its items went unchecked")
                }
                checked += 1
            }
            #expect(checked >= 25)
        }
    }

    /// Each operation's body has a request type that `DTOSchemaTests` checks field by field.
    @Test func everyBodyHasACheckedRequestType() async throws {
        try await withApp { t in
            let names = Set(DTOSchemaTests.requestTypes.flatMap(\.1).compactMap(\.name))
            for op in t.app.apiOperations where op.body != nil && op.path != "/settings" {
                #expect(op.body?.name.map(names.contains) == true, "\(op.method) \(op.path): add its request type to DTOSchemaTests.requestTypes")
            }
        }
    }

    @Test func undeclaredMethodsGet405WithAllowAndUnknownPaths404() async throws {
        try await withApp { t in
            let tenant = try await t.makeTenant("Alpha Net")
            let id = UUID().uuidString
            for (method, path, allow) in [(HTTPMethod.TRACE, "/me", "GET, HEAD, OPTIONS"), (.PUT, "/customers/\(id)", "DELETE, GET, HEAD, OPTIONS, PATCH"),
                                          (.PATCH, "/customers/export", "GET, HEAD, OPTIONS"), (.DELETE, "/settings", "GET, HEAD, OPTIONS, PATCH"),
                                          (.POST, "/customers/\(id)/addresses/\(id)", "DELETE, GET, HEAD, OPTIONS, PATCH")] {
                let result = try await t.api(method, "/api/v1" + path, token: tenant.token)
                #expect(result.status == .methodNotAllowed, "\(method) \(path): \(result.status)")
                #expect(result.headers.first(name: "Allow") == allow, "\(method) \(path)")
                #expect(result.headers.contentType?.subType == "problem+json")
            }
            let options = try await t.api(.OPTIONS, "/api/v1/customers", token: tenant.token)
            #expect(options.status == .noContent && options.headers.first(name: "Allow") == "GET, HEAD, OPTIONS, POST")
            for (method, path) in [(HTTPMethod.GET, "/nowhere"), (.TRACE, "/nowhere"), (.GET, "/customers/not-an-id"), (.PATCH, "/branches/x/y")] {
                let result = try await t.api(method, "/api/v1" + path, token: tenant.token)
                #expect(result.status == .notFound, "\(method) \(path): \(result.status)")
                #expect(result.headers.contentType?.subType == "problem+json")
            }
        }
    }

    /// Requests are checked against the document before a handler runs: query parameters too,
    /// and null for an optional field means the same as leaving it out.
    @Test func queriesAreCheckedAndNullMeansLeftOut() async throws {
        try await withApp { t in
            let tenant = try await t.makeTenant("Alpha Net")
            for query in ["areas?parent_id=", "resellers?parent_id=nope", "leads?overdue=null", "audit-events?to=2026-11-25", "customers?limit=1&limit=2",
                          "customers?sort=size", "leads?assigned_user_id=someone"] {
                let result = try await t.api(.GET, "/api/v1/" + query, token: tenant.token)
                #expect(result.status == .unprocessableEntity, "\(query): \(result.status)")
                #expect(result.errorFields.count == 1, "\(query): \(result.text)")
            }
            #expect(try await t.api(.GET, "/api/v1/leads?assigned_user_id=none&overdue=false", token: tenant.token).status == .ok)
            #expect(try await t.api(.GET, "/api/v1/audit-events?from=2026-11-25t00:00:00.5%2B06:00", token: tenant.token).status == .ok)
            let branch = try #require(try await t.api(.GET, "/api/v1/branches", token: tenant.token).data.first?["id"] as? String)
            let kept = try await t.api(.PATCH, "/api/v1/branches/\(branch)", token: tenant.token, json: ["phone": NSNull(), "address": "House 1"])
            #expect(kept.status == .ok && kept.json["address"] as? String == "House 1")
            let wrong = try await t.api(.PATCH, "/api/v1/branches/\(branch)", token: tenant.token, json: ["phone": 1712345678, "name": "  "])
            #expect(Set(wrong.errorFields) == ["phone", "name"])
        }
    }

    /// The patterns the document shows accept only what the domain accepts.
    @Test func patternsAgreeWithTheDomain() throws {
        func valid(_ schema: Schema, _ text: String) -> Bool {
            var errors: [FieldError] = []
            schema.validate(.string(text), into: &errors)
            return errors.isEmpty
        }
        for phone in ["01712345678", "1712345678", "8801712345678", "+8801712345678", "+442071234567", "+12025550123", "+86138000000000"] {
            #expect(valid(.phone, phone), "\(phone)")
            #expect((try? PhoneNumber(parsing: phone)) != nil, "\(phone)")
        }
        for phone in ["0171234567", "+88012345", "017-1234-5678", "+0123456789", "", " 01712345678", "01712345678\n"] {
            #expect(!valid(.phone, phone), "\(phone.debugDescription)")
        }
        for email in ["a@b.co", "first.last+tag@mail.example.com", "o'neil@x-y.org"] {
            #expect(valid(.email, email) && EmailAddressSyntax.isValid(email), "\(email)")
        }
        for email in ["a@b", "a..b@x.com", "a b@x.com", "a@-x.com", "(a)@x.com", "a@x.com\n"] { #expect(!valid(.email, email), "\(email.debugDescription)") }
        #expect(valid(.date, "2024-02-29") && !valid(.date, "2026-02-29") && !valid(.date, "1899-12-31") && !valid(.date, "2026-1-05"))
        for text in ["x", " x ", "\u{1C}"] { #expect(valid(.text(max: 5), text), "\(text.debugDescription)") }
        for text in ["", "   ", "\u{0B}", "\u{85}\u{2028}", "\u{3000}", "123456"] { #expect(!valid(.text(max: 5), text), "\(text.debugDescription)") }
        for stamp in ["2026-11-25T06:30:00Z", "2026-11-25t06:30:00.123+06:00", "2026-11-25T23:59:60-01:30"] { #expect(RFC3339.date(stamp) != nil, "\(stamp)") }
        for stamp in ["2026-11-25T06:30:00", "2026-11-25 06:30:00Z", "2026-13-25T06:30:00Z", "2026-11-25T06:30:00+6:00"] { #expect(RFC3339.date(stamp) == nil, "\(stamp)") }
        #expect(RFC3339.date("2026-11-25T06:30:00+06:00") == RFC3339.date("2026-11-25T00:30:00Z"))
    }
}
