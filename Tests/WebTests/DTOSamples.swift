import CRM
import Foundation
import MeghnaCore
import Platform
@testable import CRM

/// One record of each kind the API answers about, with every optional field set (`full`) or
/// left empty, for `DTOSchemaTests`.
enum DTOSamples {
    static let now = Date(timeIntervalSince1970: 1_790_000_000)

    static func organization(full: Bool) -> Organization {
        let o = Organization(id: UUID(), name: "Padma Net", slug: "padma-net")
        if full { o.createdAt = now }
        return o
    }

    static func branch(full: Bool) -> Branch {
        let b = Branch(organizationID: UUID(), name: "Head office", code: "HQ", address: full ? "House 1" : nil, phone: full ? "+8801711000001" : nil)
        b.id = UUID()
        if full { b.createdAt = now }
        return b
    }

    static func role() -> Role {
        let r = Role(organizationID: UUID(), key: "billing_ops", name: "Billing", permissions: [.customersRead, .invoicesRead], isSystem: false)
        r.id = UUID()
        return r
    }

    static func user(full: Bool) -> User {
        let u = User(organizationID: UUID(), roleID: UUID(), email: "rahim@padma.test", name: "Rahim", status: .active)
        u.id = UUID()
        if full {
            u.emailVerifiedAt = now
            u.lastLoginAt = now
            u.createdAt = now
            u.resellerID = UUID()
            u.platformAdmin = true
        }
        return u
    }

    static func token(full: Bool) -> APIToken {
        let t = APIToken(organizationID: UUID(), userID: UUID(), name: "billing sync", tokenHash: "h", prefix: "mgh_abcdefgh", abilities: ["*"],
                         expiresAt: nil)
        t.id = UUID()
        if full {
            t.lastUsedAt = now
            t.createdAt = now
        }
        return t
    }

    static func auditEvent(full: Bool) -> AuditEvent {
        let e = AuditEvent()
        e.id = UUID()
        e.action = "auth.login_succeeded"
        e.summary = "Signed in"
        e.actorLabel = "rahim@padma.test"
        e.metadata = full ? #"{"method":"password"}"# : "{}"
        e.createdAt = now
        if full {
            e.actorUserID = UUID()
            e.targetType = "user"
            e.targetID = UUID().uuidString
            e.ip = "127.0.0.1"
            e.userAgent = "curl"
        }
        return e
    }

    static func customer(full: Bool) -> Customer {
        let c = Customer()
        c.id = UUID()
        c.organizationID = UUID()
        c.branchID = UUID()
        c.number = 1
        c.numberText = "C-000001"
        c.kind = .business
        c.displayName = "Rahim Traders"
        c.sortName = "rahim traders"
        c.joinedOn = "2026-01-15"
        c.status = .active
        c.phones = full ? ["+8801712345678"] : []
        c.tags = full ? ["vip"] : []
        if full {
            c.resellerID = UUID()
            c.legalName = "Rahim Traders Ltd"
            c.email = "accounts@rahim.test"
            c.nationalID = "1234567890"
            c.tradeLicense = "TL-1"
            c.notes = "Pays in cash"
            c.areaID = UUID()
            c.externalRef = "ERP-7"
            c.archivedAt = now
            c.createdAt = now
            c.updatedAt = now
        }
        return c
    }

    static func row(full: Bool) -> CustomerDirectory.Row {
        CustomerDirectory.Row(id: UUID(), number: 1, numberText: "C-000001", displayName: "Rahim", kind: "individual", status: "active",
                              primaryPhone: full ? "+8801712345678" : nil, email: full ? "rahim@padma.test" : nil, joinedOn: "2026-01-15",
                              tags: full ? ["vip"] : [], branchName: "Head office", areaName: full ? "Mirpur" : nil,
                              resellerName: full ? "Mirpur Net" : nil, archived: false, createdAt: now, sortName: "rahim")
    }

    static func address(full: Bool) -> ServiceAddress {
        let a = ServiceAddress()
        a.id = UUID()
        a.organizationID = UUID()
        a.customerID = UUID()
        a.line1 = "House 7, Road 10"
        a.isPrimary = true
        if full {
            a.label = "Home"
            a.line2 = "Flat 3B"
            a.city = "Dhaka"
            a.postcode = "1216"
            a.areaID = UUID()
            a.latitudeE6 = 23_810_332
            a.longitudeE6 = 90_412_518
            a.installationNotes = "Roof access"
        }
        return a
    }

    static func contact(full: Bool) -> Contact {
        let c = Contact()
        c.id = UUID()
        c.organizationID = UUID()
        c.customerID = UUID()
        c.name = "Karim"
        c.role = .billing
        c.phones = full ? ["+8801812345678"] : []
        c.isPrimary = false
        if full { c.email = "karim@rahim.test" }
        return c
    }

    static func activity(full: Bool) -> Activity {
        let a = Activity()
        a.id = UUID()
        a.organizationID = UUID()
        a.subjectType = "customer"
        a.subjectID = UUID()
        a.kind = full ? "updated" : "note"
        a.summary = "Changed display_name"
        a.changesJSON = full ? String(decoding: try! JSONEncoder().encode([FieldChange(field: "display_name", before: "A", after: "B")]), as: UTF8.self)
            : "[]"
        a.actorLabel = "rahim@padma.test"
        a.createdAt = now
        if full {
            a.body = "Called about the upgrade"
            a.relatedType = "lead"
            a.relatedID = UUID()
        }
        return a
    }

    static func reseller(full: Bool) -> Reseller {
        let r = Reseller()
        r.id = UUID()
        r.organizationID = UUID()
        r.branchID = UUID()
        r.path = "/x/"
        r.depth = full ? 1 : 0
        r.name = "Mirpur Net"
        r.sortName = "mirpur net"
        r.commissionBasisPoints = 1250
        r.status = .active
        if full {
            r.parentID = UUID()
            r.contactName = "Shakil"
            r.phone = "+8801711000001"
            r.email = "shakil@mirpur.test"
            r.address = "Mirpur 10"
            r.archivedAt = now
            r.createdAt = now
        }
        return r
    }

    static func area(full: Bool) -> Area {
        let a = Area()
        a.id = UUID()
        a.organizationID = UUID()
        a.name = "Mirpur"
        a.path = "/x/"
        a.fullName = full ? "Dhaka North › Mirpur" : "Mirpur"
        a.depth = full ? 1 : 0
        if full {
            a.kind = "area"
            a.parentID = UUID()
        }
        return a
    }

    static func lead(full: Bool) -> Lead {
        let l = Lead()
        l.id = UUID()
        l.organizationID = UUID()
        l.number = 1
        l.numberText = "L-000001"
        l.name = "Jamal"
        l.sortName = "jamal"
        l.phones = ["+8801912345678"]
        l.source = "api"
        l.tags = full ? ["fiber"] : []
        l.status = full ? .converted : .new
        if full {
            l.branchID = UUID()
            l.resellerID = UUID()
            l.email = "jamal@example.test"
            l.address = "Flat 3B"
            l.areaID = UUID()
            l.interest = "50 Mbps"
            l.assignedUserID = UUID()
            l.nextFollowUpOn = "2026-12-01"
            l.lostReason = "Chose another provider"
            l.notes = "Call after six"
            l.customerID = UUID()
            l.convertedAt = now
            l.archivedAt = now
            l.createdAt = now
        }
        return l
    }
}
