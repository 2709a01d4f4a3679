import CRM
import Foundation
import MeghnaCore
import Platform
import Testing
@testable import CRM
@testable import Web

/// The DTOs and request types agree with the schemas the OpenAPI document shows: a field added
/// to a DTO or a request without its schema (or the other way round) fails here.
@Suite("DTOs and their schemas")
struct DTOSchemaTests {
    /// Every answer, encoded with every optional field set and with none set: each key and type
    /// is what the schema says (no undocumented keys), each required key is there, and the full
    /// sample uses every property the schema documents.
    @Test func everyDTOEncodesExactlyAsItsSchemaSays() throws {
        let o = DTOSamples.self
        try check(OrganizationDTO(o.organization(full: true)), OrganizationDTO(o.organization(full: false)), OrganizationDTO.schema)
        try check(BranchDTO(o.branch(full: true)), BranchDTO(o.branch(full: false)), BranchDTO.schema)
        try check(RoleDTO(o.role()), RoleDTO(o.role()), RoleDTO.schema)
        try check(UserDTO(o.user(full: true), branchIDs: [UUID()]), UserDTO(o.user(full: false)), UserDTO.schema)
        try check(TokenDTO(o.token(full: true), plaintext: "mgh_secret"), TokenDTO(o.token(full: false)), TokenDTO.schema)
        try check(AuditEventDTO(o.auditEvent(full: true)), AuditEventDTO(o.auditEvent(full: false)), AuditEventDTO.schema)
        let me = { (full: Bool) in
            MeDTO(user: UserDTO(o.user(full: full), branchIDs: full ? [UUID()] : nil), organization: OrganizationDTO(o.organization(full: full)),
                  role: RoleDTO(o.role()), permissions: ["customers.read"], actingAcrossTenants: full)
        }
        try check(me(true), me(false), MeDTO.schema)
        try check(TwoFactorStartDTO(otpauthURI: "otpauth://totp/x", secret: "ABC"), nil, TwoFactorStartDTO.schema)
        try check(RecoveryCodesDTO(recoveryCodes: ["a1b2-c3d4"]), nil, RecoveryCodesDTO.schema)
        try check(CustomerDTO(o.customer(full: true)), CustomerDTO(o.customer(full: false)), CustomerDTO.schema)
        try check(CustomerRowDTO(o.row(full: true)), CustomerRowDTO(o.row(full: false)), CustomerRowDTO.schema)
        try check(AddressDTO(o.address(full: true)), AddressDTO(o.address(full: false)), AddressDTO.schema)
        try check(ContactDTO(o.contact(full: true)), ContactDTO(o.contact(full: false)), ContactDTO.schema)
        try check(ActivityDTO(o.activity(full: true)), ActivityDTO(o.activity(full: false)), ActivityDTO.schema)
        try check(ResellerDTO(o.reseller(full: true)), ResellerDTO(o.reseller(full: false)), ResellerDTO.schema)
        try check(AreaDTO(o.area(full: true)), AreaDTO(o.area(full: false)), AreaDTO.schema)
        try check(LeadDTO(o.lead(full: true)), LeadDTO(o.lead(full: false)), LeadDTO.schema)
        try check(ListBody(data: [AreaDTO(o.area(full: true))], nextCursor: "abc"), ListBody(data: [AreaDTO](), nextCursor: nil), .list(AreaDTO.schema))
    }

    /// Each request type reads every field its schemas document, and nothing they do not.
    @Test func everyRequestTypeReadsExactlyTheDocumentedFields() throws {
        for (type, schemas) in Self.requestTypes {
            let recorder = KeyRecorder()
            _ = try type.init(from: RecordingDecoder(recorder: recorder, prefix: ""))
            let documented = schemas.map { Set($0.propertyPaths()) }
            for fields in documented {
                #expect(fields.isSubset(of: recorder.paths), "\(type) ignores documented fields \(fields.subtracting(recorder.paths).sorted())")
            }
            let all = documented.reduce(Set<String>()) { $0.union($1) }
            #expect(recorder.paths.isSubset(of: all), "\(type) reads undocumented fields \(recorder.paths.subtracting(all).sorted())")
        }
    }

    /// Each request type with the schemas of the bodies it decodes (`APIContractTests` checks
    /// that every operation's body is among them).
    typealias P = PlatformAPI
    typealias C = CRMAPI
    typealias B = CatalogAPI
    typealias S = SubscriptionAPI
    static var requestTypes: [(any Decodable.Type, [Schema])] { [
            (P.TokenRequest.self, [P.TokenRequest.schema]), (P.CodeRequest.self, [P.CodeRequest.schema]),
            (P.OrganizationRequest.self, [P.OrganizationRequest.schema, P.OrganizationRequest.patchSchema]),
            (P.BranchRequest.self, [P.BranchRequest.schema, P.BranchRequest.patchSchema]),
            (P.UserRequest.self, [P.UserRequest.inviteSchema, P.UserRequest.patchSchema]),
            (P.RoleRequest.self, [P.RoleRequest.schema, P.RoleRequest.patchSchema]),
            (C.CustomerRequest.self, [C.CustomerRequest.createSchema, C.CustomerRequest.updateSchema]),
            (C.AddressRequest.self, [C.AddressRequest.createSchema, C.AddressRequest.patchSchema]),
            (C.ContactRequest.self, [C.ContactRequest.createSchema, C.ContactRequest.patchSchema]),
            (C.LogRequest.self, [C.LogRequest.schema]),
            (C.LeadRequest.self, [C.LeadRequest.createSchema, C.LeadRequest.patchSchema]), (C.ConvertRequest.self, [C.ConvertRequest.schema]),
            (C.ResellerRequest.self, [C.ResellerRequest.createSchema, C.ResellerRequest.patchSchema]),
            (C.AreaRequest.self, [C.AreaRequest.createSchema, C.AreaRequest.patchSchema]),
            (B.PlanRequest.self, [B.PlanRequest.createSchema, B.PlanRequest.patchSchema]),
            (B.AddonRequest.self, [B.AddonRequest.createSchema, B.AddonRequest.patchSchema]),
            (B.DiscountRequest.self, [B.DiscountRequest.createSchema, B.DiscountRequest.patchSchema]),
            (B.TaxRuleRequest.self, [B.TaxRuleRequest.createSchema, B.TaxRuleRequest.patchSchema]),
            (S.CreateRequest.self, [S.CreateRequest.schema]), (S.PlanChangeRequest.self, [S.PlanChangeRequest.schema]),
            (S.ChangeRequest.self, [S.ChangeRequest.activateSchema, S.ChangeRequest.rechargeSchema, S.ChangeRequest.resumeSchema, S.ChangeRequest.suspendSchema, S.ChangeRequest.terminateSchema]),
            (SubscriptionExtrasAPI.AddonRequest.self, [SubscriptionExtrasAPI.AddonRequest.schema]),
            (RouterRequest.self, [RouterRequest.createSchema, RouterRequest.patchSchema]),
            (RouterDisconnectRequest.self, [RouterDisconnectRequest.schema]),
            (ServiceAccountRequest.self, [ServiceAccountRequest.schema]),
            (DriftDecisionRequest.self, [DriftDecisionRequest.schema]),
            (BulkActionRequest.self, [BulkActionRequest.schema]),
            (RouterImportRequest.self, [RouterImportRequest.schema]),
            (SubscriptionExtrasAPI.RemoveRequest.self, [SubscriptionExtrasAPI.RemoveRequest.schema]),
            (SubscriptionExtrasAPI.DiscountRequest.self, [SubscriptionExtrasAPI.DiscountRequest.schema]),
            (SubscriptionExtrasAPI.EndRequest.self, [SubscriptionExtrasAPI.EndRequest.schema]),
            (InvoiceAPI.VoidRequest.self, [InvoiceAPI.VoidRequest.schema]),
            (InvoiceAPI.RunRequest.self, [InvoiceAPI.RunRequest.schema]),
            (PaymentRequest.self, [PaymentRequest.schema]), (PaymentReverseRequest.self, [PaymentReverseRequest.schema]),
            (CreditNoteRequest.self, [CreditNoteRequest.schema]), (RefundRequest.self, [RefundRequest.schema]),
            (WriteOffRequest.self, [WriteOffRequest.schema]), (ExclusionRequest.self, [ExclusionRequest.schema]),
            (MessageTemplateRequest.self, [MessageTemplateRequest.schema]), (MessageTemplateKey.self, [MessageTemplateKey.schema]),
            (TopUpRequest.self, [TopUpRequest.schema]),
    ] }

    func check<T: Encodable>(_ full: T, _ minimal: T?, _ schema: Schema) throws {
        let name = schema.name ?? "\(T.self)"
        let fullJSON = try #require(JSONValue.parse(try apiJSON(full)))
        var errors: [FieldError] = []
        schema.closed.validate(fullJSON, into: &errors)
        #expect(errors.isEmpty, "\(name), every field set: \(errors)")
        let missing = Set(schema.propertyPaths()).subtracting(fullJSON.keyPaths())
        #expect(missing.isEmpty, "\(name) documents \(missing.sorted()) but a DTO with every field set does not send them")
        if let minimal {
            errors = []
            schema.closed.validate(try #require(JSONValue.parse(try apiJSON(minimal))), into: &errors)
            #expect(errors.isEmpty, "\(name), optional fields left out: \(errors)")
        }
    }
}

extension Schema {
    var name: String? { if case .named(let name, _) = self { name } else { nil } }

    /// The same schema with every object closed (no undocumented keys).
    var closed: Schema {
        switch self {
        case .object(let properties, let required, let additional):
            let rest: Additional = if case .values(let values) = additional { .values(values.closed) } else { .forbidden }
            return .object(properties.map { ($0.0, $0.1.closed) }, required: required, additional: rest)
        case .array(let items, let minItems, let maxItems): return .array(items.closed, minItems: minItems, maxItems: maxItems)
        case .nullable(let inner): return .nullable(inner.closed)
        case .anyOf(let alternatives): return .anyOf(alternatives.map(\.closed))
        case .named(let name, let inner): return .named(name, inner.closed)
        case .described(let inner, let text): return .described(inner.closed, text)
        case .string, .integer, .boolean, .any: return self
        }
    }

    /// Dotted paths of every documented property (`address.line1`; array items add nothing).
    func propertyPaths(_ prefix: String = "") -> [String] {
        switch self {
        case .object(let properties, _, _):
            properties.flatMap { name, schema in [prefix + name] + schema.propertyPaths(prefix + name + ".") }
        case .array(let items, _, _): items.propertyPaths(prefix)
        case .nullable(let inner), .named(_, let inner), .described(let inner, _): inner.propertyPaths(prefix)
        case .anyOf(let alternatives): alternatives.flatMap { $0.propertyPaths(prefix) }
        case .string, .integer, .boolean, .any: []
        }
    }
}

extension JSONValue {
    /// Dotted paths of every key (array elements add nothing to the path).
    func keyPaths(_ prefix: String = "") -> Set<String> {
        switch self {
        case .object(let members):
            members.reduce(into: Set<String>()) { out, member in
                out.insert(prefix + member.key)
                out.formUnion(member.value.keyPaths(prefix + member.key + "."))
            }
        case .array(let items): items.reduce(into: Set<String>()) { $0.formUnion($1.keyPaths(prefix)) }
        default: []
        }
    }
}

/// Records which keys a `Decodable` asks for, walking into nested request types.
final class KeyRecorder: @unchecked Sendable {
    var paths: Set<String> = []
}

struct RecordingDecoder: Decoder {
    let recorder: KeyRecorder
    let prefix: String
    var codingPath: [any CodingKey] = []
    var userInfo: [CodingUserInfoKey: Any] = [:]

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        KeyedDecodingContainer(RecordingContainer<Key>(recorder: recorder, prefix: prefix))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer { throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "list")) }
    func singleValueContainer() throws -> any SingleValueDecodingContainer { throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "value")) }
}

struct RecordingContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let recorder: KeyRecorder
    let prefix: String
    var codingPath: [any CodingKey] = []
    var allKeys: [Key] { [] }

    func record(_ key: Key) { recorder.paths.insert(prefix + key.stringValue) }
    func contains(_ key: Key) -> Bool { record(key); return false }
    func decodeNil(forKey key: Key) throws -> Bool { record(key); return true }
    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try refuse(key) }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try refuse(key) }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try refuse(key) }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try refuse(key) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try refuse(key) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try refuse(key) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try refuse(key) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try refuse(key) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try refuse(key) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try refuse(key) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try refuse(key) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try refuse(key) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try refuse(key) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try refuse(key) }
    func refuse<T>(_ key: Key) throws -> T {
        record(key)
        throw DecodingError.keyNotFound(key, .init(codingPath: [], debugDescription: "recording"))
    }
    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        record(key)
        recordElement(T.self, key)
        return try T(from: RecordingDecoder(recorder: recorder, prefix: prefix + key.stringValue + "."))
    }
    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        record(key)
        recordElement(T.self, key)
        return try? T(from: RecordingDecoder(recorder: recorder, prefix: prefix + key.stringValue + "."))
    }
    /// A list's element's keys, once (a list of objects documents `list.field`).
    func recordElement<T>(_ type: T.Type, _ key: Key) {
        (T.self as? any RecordableList.Type)?.recordElement(recorder, prefix: prefix + key.stringValue + ".")
    }
    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        record(key)
        return KeyedDecodingContainer(RecordingContainer<NestedKey>(recorder: recorder, prefix: prefix + key.stringValue + "."))
    }
    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        record(key)
        throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "list"))
    }
    func superDecoder() throws -> any Decoder { RecordingDecoder(recorder: recorder, prefix: prefix) }
    func superDecoder(forKey key: Key) throws -> any Decoder { RecordingDecoder(recorder: recorder, prefix: prefix + key.stringValue + ".") }
}

protocol RecordableList {
    static func recordElement(_ recorder: KeyRecorder, prefix: String)
}

extension Array: RecordableList where Element: Decodable {
    static func recordElement(_ recorder: KeyRecorder, prefix: String) {
        _ = try? Element(from: RecordingDecoder(recorder: recorder, prefix: prefix))
    }
}
