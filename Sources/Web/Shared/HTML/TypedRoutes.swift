import Foundation
import MeghnaCore
import Vapor

/// A path inside Meghna. Only typed routes (and `Link.asset`) make one, so a page cannot link
/// to a route that does not exist: the route that registers a handler also builds its links
/// and its redirects.
struct Link: Equatable, Sendable, CustomStringConvertible, Encodable {
    let path: String

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(path)
    }

    fileprivate init(path: String) { self.path = path }

    var description: String { path }

    /// A file under Public/ (CSS, JavaScript).
    static func asset(_ file: StaticString) -> Link { Link(path: "/" + file.description) }

    /// The link with a query: empty and nil values are left out.
    func query(_ items: [(String, String?)]) -> Link {
        var components = URLComponents()
        components.queryItems = items.compactMap { name, value in value.flatMap { $0.isEmpty ? nil : URLQueryItem(name: name, value: $0) } }
        guard let query = components.percentEncodedQuery, !query.isEmpty else { return self }
        return Link(path: path + (path.contains("?") ? "&" : "?") + query)
    }

    /// The link with `#fragment`, a literal of our source.
    func fragment(_ name: StaticString) -> Link { Link(path: path + "#" + name.description) }

    /// The link with `#fragment` for a name from a catalog (a settings section), percent-encoded.
    func fragment(named name: String) -> Link {
        Link(path: path + "#" + (name.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""))
    }

    /// A jump to `#name` on the same page.
    static func anchor(_ name: String) -> Link {
        Link(path: "#" + (name.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""))
    }
}

/// A value that can stand in a path: ids and short names.
protocol PathParameter: Sendable {
    var pathValue: String { get }
    init?(pathValue: String)
}

extension UUID: PathParameter {
    /// The same text as `uuidString` (upper-case hex, 8-4-4-4-12), written without Foundation's
    /// formatter: a list page builds a link per row.
    var pathValue: String {
        let digits: StaticString = "0123456789ABCDEF"
        return withUnsafeBytes(of: uuid) { bytes in
            String(unsafeUninitializedCapacity: 36) { out in
                var i = 0
                for (index, byte) in bytes.enumerated() {
                    if index == 4 || index == 6 || index == 8 || index == 10 {
                        out[i] = UInt8(ascii: "-")
                        i += 1
                    }
                    out[i] = digits.utf8Start[Int(byte >> 4)]
                    out[i + 1] = digits.utf8Start[Int(byte & 0x0F)]
                    i += 2
                }
                return i
            }
        }
    }

    init?(pathValue: String) { self.init(uuidString: pathValue) }
}

extension String: PathParameter {
    var pathValue: String { self }
    init?(pathValue: String) { self = pathValue }
}

/// One part of a route's path.
enum Segment: ExpressibleByStringLiteral, Sendable {
    case constant(String)
    case parameter(String)

    init(stringLiteral value: String) { self = .constant(value) }

    /// The id-like parameter of most routes.
    static var id: Segment { .parameter("id") }

    var component: PathComponent {
        switch self {
        case .constant(let text): .constant(text)
        case .parameter(let name): .parameter(name)
        }
    }
}

/// The path shared by the typed routes below: its segments and how a link fills them.
struct RoutePath: Sendable {
    let segments: [Segment]

    init(_ segments: [Segment]) { self.segments = segments }

    var components: [PathComponent] { segments.map(\.component) }
    var parameterNames: [String] { segments.compactMap { if case .parameter(let name) = $0 { name } else { nil } } }

    func link(_ values: [String]) -> Link {
        var iterator = values.makeIterator()
        var path = ""
        path.reserveCapacity(64)
        for segment in segments {
            path.append("/")
            switch segment {
            case .constant(let text): path.append(text)
            case .parameter: path.append(Self.segment(iterator.next() ?? ""))
            }
        }
        return Link(path: path.isEmpty ? "/" : path)
    }

    private static let segmentCharacters = CharacterSet.urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))

    /// A parameter as one path segment. Ids and plain words (the common case, one per row of a
    /// list) are copied as they are; anything else is percent-encoded, so it stays one segment.
    static func segment(_ value: String) -> String {
        let plain = value.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte == 0x2D || byte == 0x5F || byte == 0x2E
        }
        if value == "." || value == ".." { return value.replacingOccurrences(of: ".", with: "%2E") }
        if plain { return value }
        return value.addingPercentEncoding(withAllowedCharacters: segmentCharacters) ?? ""
    }

    /// The parameter named `name` of a matched request, typed; anything that does not parse is
    /// a page that does not exist.
    func value<P: PathParameter>(_ name: String, of request: Request, as type: P.Type) throws -> P {
        guard let raw = request.parameters.get(name), let value = P(pathValue: raw) else { throw DomainError.notFound("Page") }
        return value
    }
}

/// A route without parameters.
struct Route0: Sendable {
    let path: RoutePath
    init(_ segments: Segment...) { path = RoutePath(segments) }
    var link: Link { path.link([]) }
}

/// A route with one parameter.
struct Route1<A: PathParameter>: Sendable {
    let path: RoutePath
    init(_ segments: Segment...) {
        path = RoutePath(segments)
        precondition(path.parameterNames.count == 1, "Route1 needs one parameter")
    }
    func link(_ a: A) -> Link { path.link([a.pathValue]) }
}

/// A route with two parameters.
struct Route2<A: PathParameter, B: PathParameter>: Sendable {
    let path: RoutePath
    init(_ segments: Segment...) {
        path = RoutePath(segments)
        precondition(path.parameterNames.count == 2, "Route2 needs two parameters")
    }
    func link(_ a: A, _ b: B) -> Link { path.link([a.pathValue, b.pathValue]) }
}

extension RoutesBuilder {
    // A page's GET and the form it posts share a path; the method is chosen where the handler
    // is registered.

    @discardableResult
    func get(_ route: Route0, use handler: @escaping @Sendable (Request) async throws -> Response) -> Route {
        on(.GET, route.path.components, use: handler)
    }

    @discardableResult
    func post(_ route: Route0, use handler: @escaping @Sendable (Request) async throws -> Response) -> Route {
        on(.POST, route.path.components, use: handler)
    }

    @discardableResult
    func get<A>(_ route: Route1<A>, use handler: @escaping @Sendable (Request, A) async throws -> Response) -> Route {
        on(.GET, route, use: handler)
    }

    @discardableResult
    func post<A>(_ route: Route1<A>, use handler: @escaping @Sendable (Request, A) async throws -> Response) -> Route {
        on(.POST, route, use: handler)
    }

    @discardableResult
    func get<A, B>(_ route: Route2<A, B>, use handler: @escaping @Sendable (Request, A, B) async throws -> Response) -> Route {
        on(.GET, route, use: handler)
    }

    @discardableResult
    func post<A, B>(_ route: Route2<A, B>, use handler: @escaping @Sendable (Request, A, B) async throws -> Response) -> Route {
        on(.POST, route, use: handler)
    }

    /// A form that uploads a file: the body may reach `maxBytes` (collected, then checked by
    /// the CSRF middleware against the same limit); larger bodies answer 413.
    @discardableResult
    func upload(_ route: Route0, maxBytes: Int, use handler: @escaping @Sendable (Request) async throws -> Response) -> Route {
        on(.POST, route.path.components, body: .collect(maxSize: ByteCount(value: maxBytes)), use: handler).bodyLimit(maxBytes)
    }

    private func on<A>(_ method: HTTPMethod, _ route: Route1<A>, use handler: @escaping @Sendable (Request, A) async throws -> Response) -> Route {
        let path = route.path
        let names = path.parameterNames
        return on(method, path.components) { req async throws -> Response in
            try await handler(req, try path.value(names[0], of: req, as: A.self))
        }
    }

    private func on<A, B>(_ method: HTTPMethod, _ route: Route2<A, B>, use handler: @escaping @Sendable (Request, A, B) async throws -> Response) -> Route {
        let path = route.path
        let names = path.parameterNames
        return on(method, path.components) { req async throws -> Response in
            try await handler(req, try path.value(names[0], of: req, as: A.self), try path.value(names[1], of: req, as: B.self))
        }
    }
}

/// A redirect to a typed route, with an optional flash message.
func redirect(_ request: Request, to link: Link, flash: String? = nil, kind: String = "ok") -> Response {
    redirect(request, to: link.path, flash: flash, kind: kind)
}
