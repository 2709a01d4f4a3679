import Foundation
import MeghnaCore
import Platform
import Vapor

/// What every signed-in page's layout needs.
struct PageContext: Encodable {
    struct NavItem: Encodable {
        var group: String?
        var label: String
        var href: Link
        var active: Bool
    }

    struct OrganizationChoice: Encodable {
        var id: String
        var name: String
        var current: Bool
    }

    var title: String
    var csrf: String
    var flash: String?
    var flashKind: String?
    var userName: String?
    var userEmail: String?
    var roleName: String?
    var organizationName: String?
    var crossing: Bool
    var nav: [NavItem]
    var organizations: [OrganizationChoice]
    var canSwitch: Bool
    var branches: [OrganizationChoice]
    var allBranches: Bool
    var canSwitchBranch: Bool
}

/// Form state kept across a failed submit: what was typed and what was wrong with it.
struct FormState: Encodable {
    var values: [String: String] = [:]
    var errors: [String: String] = [:]
    var general: String?

    init(values: [String: String] = [:]) { self.values = values }

    /// "branch_ids[2]" → "branch_ids": an item's error also shows beside its whole list.
    static func listName(of field: String) -> String? {
        field.firstIndex(of: "[").map { String(field[..<$0]) }
    }

    /// Everything wrong, in one sentence, for a form whose fields are hidden (a row's button).
    var problems: String? {
        let fields = errors.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }
        let all = (general.map { [$0] } ?? []) + fields
        return all.isEmpty ? nil : all.joined(separator: "; ")
    }

    init(values: [String: String], error: any Error) {
        self.values = values
        switch error {
        case DomainError.validation(let list):
            for item in list {
                errors[item.field] = errors[item.field].map { $0 + "; " + item.message } ?? item.message
                if let list = Self.listName(of: item.field) {
                    errors[list] = errors[list].map { $0 + "; " + item.message } ?? item.message
                }
            }
        case let domain as DomainError:
            general = domain.description
        default:
            general = "Something went wrong. Try again."
        }
        // Never echo secrets back into a page (passwords; "code" is a one-time or recovery code on
        // the sign-in and two-factor pages; catalog forms keep theirs with `keepingCode`).
        for key in values.keys where key.contains("password") || key == "code" { self.values[key] = "" }
    }

    /// The same state with the typed "code" put back: on catalog and branch forms it names a
    /// plan, an add-on, a tax rule or a branch, not a secret.
    func keepingCode(from values: [String: String]) -> FormState {
        var copy = self
        copy.values["code"] = values["code"]
        return copy
    }
}

enum Flash {
    static let cookie = "meghna_flash"

    static func set(_ message: String, kind: String = "ok", on response: Response) {
        let value = (kind + "|" + message).addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
        response.cookies[cookie] = HTTPCookies.Value(string: value, maxAge: 60, isHTTPOnly: true, sameSite: .lax)
    }

    static func take(from request: Request) -> (String, String)? {
        guard let raw = request.cookies[cookie]?.string.removingPercentEncoding, let bar = raw.firstIndex(of: "|") else { return nil }
        request.storage[TakenKey.self] = true
        return (String(raw[raw.index(after: bar)...]), String(raw[..<bar]))
    }

    struct TakenKey: StorageKey { typealias Value = Bool }
}

extension Request {
    /// Builds the layout context for the signed-in user.
    /// The layout context for the signed-in person: navigation from every area's entries they
    /// may use, grouped, the entry of the current route marked; switchers and flash.
    func page(_ title: String) throws -> PageContext {
        let identity = try identity
        let ctx = identity.context
        let path = url.path
        var nav: [PageContext.NavItem] = [.init(label: "Dashboard", href: PlatformRoutes.dashboard.link, active: path == "/")]
        let entries = AreaModules.all.flatMap(\.navigation).filter { $0.permission.map(ctx.can) ?? true }
        for group in NavigationEntry.Group.allCases {
            for entry in entries where entry.group == group {
                let active = path == entry.link.path || path.hasPrefix(entry.link.path + "/")
                nav.append(.init(group: group.title, label: entry.label, href: entry.link, active: active))
            }
        }
        nav.append(.init(label: "Account", href: PlatformRoutes.account.link, active: path.hasPrefix(PlatformRoutes.account.link.path)))
        let orgs = identity.organizationChoices
        let current = staffSession?.branchID
        let flash = Flash.take(from: self)
        return PageContext(title: title, csrf: csrfToken, flash: flash?.0, flashKind: flash?.1, userName: identity.user.name,
                           userEmail: identity.user.email, roleName: identity.role.name, organizationName: identity.organization.name,
                           crossing: ctx.isCrossingTenant, nav: nav,
                           organizations: orgs.map { .init(id: $0.id.uuidString, name: $0.name, current: $0.id == identity.organization.id) },
                           canSwitch: identity.isPlatformAdmin && orgs.count > 1,
                           branches: identity.branchChoices.map { .init(id: $0.id.uuidString, name: $0.name, current: $0.id == current) },
                           allBranches: current == nil, canSwitchBranch: identity.branchChoices.count > 1)
    }

    /// Layout context for pages without a signed-in user (login, setup, invitations).
    func publicPage(_ title: String) -> PageContext {
        let flash = Flash.take(from: self)
        return PageContext(title: title, csrf: csrfToken, flash: flash?.0, flashKind: flash?.1, crossing: false, nav: [], organizations: [],
                           canSwitch: false, branches: [], allBranches: true, canSwitchBranch: false)
    }

    /// Form fields as strings, for keeping input after an error. Fields sent several times
    /// (`branch_ids[]` boxes) are left out here instead of making the whole form read as empty;
    /// their pages read them as lists.
    func formValues() -> [String: String] {
        struct Single: Decodable {
            let value: String?
            init(from decoder: any Decoder) throws { value = try? decoder.singleValueContainer().decode(String.self) }
        }
        return ((try? content.decode([String: Single].self)) ?? [:]).compactMapValues(\.value)
    }
}

/// Clears a flash once shown.
struct FlashMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let response = try await next.respond(to: request)
        if request.storage[Flash.TakenKey.self] == true, response.cookies[Flash.cookie] == nil {
            response.cookies[Flash.cookie] = HTTPCookies.Value(string: "", expires: Date(timeIntervalSince1970: 0), maxAge: 0)
        }
        return response
    }
}

func redirect(_ request: Request, to path: String, flash: String? = nil, kind: String = "ok") -> Response {
    let response = request.redirect(to: headerSafe(path), redirectType: .normal)
    if let flash { Flash.set(flash, kind: kind, on: response) }
    return response
}

/// A redirect target can carry request text (an id from the path, a query); whatever it holds,
/// no control character or space reaches the `Location` header (no response splitting).
func headerSafe(_ location: String) -> String {
    location.addingPercentEncoding(withAllowedCharacters: locationCharacters) ?? "/"
}

private let locationCharacters = CharacterSet.urlQueryAllowed.union(CharacterSet(charactersIn: "#%"))

/// Characters a `next` target may hold: a path and a plain query, nothing a header or a browser
/// could read as anything else.
private let nextCharacters = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~/?=&%+")

/// Where to go after sign-in: only a relative path of safe characters that is one of our own
/// page routes (GET); anything else becomes `/`, so `next` can neither leave the site nor put
/// arbitrary text into the `Location` header.
func safeNext(_ next: String?, on app: Application) -> String {
    guard let next, next.count <= 512, next.hasPrefix("/"), !next.hasPrefix("//"),
          next.unicodeScalars.allSatisfy(nextCharacters.contains)
    else { return "/" }
    let path = String(next.prefix { $0 != "?" })
    let parts = path.split(separator: "/").map(String.init)
    guard !parts.contains(where: { $0 == "." || $0 == ".." || $0.contains("%") }) else { return "/" }
    let known = app.routes.all.contains { route in
        guard route.method == .GET, !(route.path.first?.description == "api") else { return false }
        return matches(route.path, parts)
    }
    return known ? next : "/"
}

private func matches(_ pattern: [PathComponent], _ parts: [String]) -> Bool {
    for (index, component) in pattern.enumerated() {
        switch component {
        case .catchall: return index < parts.count
        case .constant(let text): if index >= parts.count || parts[index] != text { return false }
        case .parameter, .anything: if index >= parts.count { return false }
        }
    }
    return pattern.count == parts.count
}
