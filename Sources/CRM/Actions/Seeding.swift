import FluentKit
import Foundation
import MeghnaCore
import Platform

/// Made-up but realistic CRM data for the demo and for benchmarks: Bangladeshi names, mobile
/// numbers, addresses in the organization's areas. Written in chunks through the same bulk
/// path as CSV imports (one transaction per chunk).
public enum CRMSeeder {
    public static let firstNames = ["Rahim", "Karim", "Abdul", "Mohammad", "Nusrat", "Farhana", "Sadia", "Tanvir", "Arif", "Jamal", "Shakil", "Rubel",
                                    "Sumon", "Mitu", "Ruma", "Shirin", "Kamal", "Hasan", "Anisur", "Mahmud", "Fatema", "Taslima", "Rafiq", "Selina",
                                    "Imran", "Nasima", "Jahid", "Rokeya", "Sohel", "Parvin", "Masud", "Laila", "Habib", "Sharmin", "Faruk", "Moushumi"]
    public static let lastNames = ["Hossain", "Akter", "Begum", "Islam", "Uddin", "Ahmed", "Rahman", "Chowdhury", "Sarkar", "Miah", "Khan", "Alam",
                                   "Haque", "Karim", "Bhuiyan", "Talukder", "Mollah", "Sheikh", "Siddique", "Das"]
    public static let roads = ["Road", "Lane", "Avenue", "Sarak", "Goli"]

    /// A deterministic pseudo-random generator, so a seed gives the same data every run.
    public struct Generator: RandomNumberGenerator, Sendable {
        var state: UInt64
        public init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }
        public mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// The mobile number of seeded customer `index`: 013…019 prefixes, unique per index.
    public static func phone(_ index: Int) -> String {
        let prefixes = ["017", "018", "019", "015", "016", "013", "014"]
        return prefixes[index % prefixes.count] + String(format: "%08d", (index * 7919) % 100_000_000)
    }

    public static func name(_ index: Int, using rng: inout Generator) -> String {
        firstNames.randomElement(using: &rng)! + " " + lastNames.randomElement(using: &rng)! + (index % 9 == 0 ? " \(index % 1000)" : "")
    }

    /// Creates `count` customers starting at seed index `from`, each with a primary address in
    /// one of `areas` (when any), a contact for one in five, a reseller for one in three.
    public static func customers(_ ctx: TenantContext, count: Int, from: Int = 0, branches: [Branch], areas: [Area], resellers: [Reseller],
                                 chunk: Int = 1000, now: Date, on db: any Database,
                                 progress: @Sendable (Int) -> Void = { _ in }) async throws {
        var rng = Generator(seed: UInt64(from))
        var done = 0
        while done < count {
            let size = min(chunk, count - done)
            var rows: [CustomerImports.Prepared] = []
            for offset in 0..<size {
                let index = from + done + offset
                let name = name(index, using: &rng)
                let area = areas.isEmpty ? nil : areas[index % areas.count]
                let reseller = index % 3 == 0 && !resellers.isEmpty ? resellers[index % resellers.count] : nil
                let branch = reseller?.branchID ?? branches[index % branches.count].id!
                var valid = Customers.Valid()
                valid.kind = index % 11 == 0 ? .business : .individual
                valid.displayName = index % 11 == 0 ? "\(lastNames.randomElement(using: &rng)!) Traders \(index)" : name
                valid.phones = [try PhoneNumber(parsing: phone(index)).e164]
                valid.email = index % 4 == 0 ? .some("customer\(index)@example.com") : nil
                valid.nationalID = index % 5 == 0 ? .some(String(format: "19%011d", index)) : nil
                valid.joinedOn = String(format: "%04d-%02d-%02d", 2019 + index % 7, 1 + index % 12, 1 + index % 28)
                valid.branchID = branch
                valid.reseller = .some(reseller)
                valid.tags = index % 10 == 0 ? ["vip"] : index % 7 == 0 ? ["fiber", "corporate"] : ["fiber"]
                valid.status = index % 17 == 0 ? .prospect : .active
                let customer = Customers.build(ctx, valid, number: 0, now: now)
                var address = Addresses.Valid()
                address.line1 = "House \(1 + index % 120), \(roads[index % roads.count]) \(1 + index % 40)"
                address.city = "Dhaka"
                address.area = .some(area)
                address.latitude = .some(23_700_000 + Int64(index % 200_000))
                address.longitude = .some(90_350_000 + Int64((index * 7) % 200_000))
                let built = Addresses.build(ctx, customerID: customer.id!, address, primary: true)
                customer.areaID = built.areaID
                var contact: Contact?
                if index % 5 == 0 {
                    var c = Contacts.Valid()
                    c.name = self.name(index + 1, using: &rng)
                    c.role = .billing
                    c.phones = [try PhoneNumber(parsing: phone(index + 5_000_000)).e164]
                    contact = Contacts.build(ctx, customerID: customer.id!, c, primary: true)
                }
                rows.append(.init(line: index, customer: customer, address: built, contact: contact,
                                  changes: [FieldChange(field: "display_name", before: nil, after: customer.displayName)],
                                  areaNames: area.map { [$0.fullName] } ?? []))
            }
            let chunkRows = rows
            try await db.writeTransaction { tx in
                try await CustomerImports.write(ctx, chunkRows, fileName: "seed data", now: now, on: tx)
            }
            done += size
            progress(done)
        }
    }

    /// A zone → area → building tree: `zones` × `perZone` × `perArea`. Returns the leaves and areas.
    public static func areas(_ ctx: TenantContext, zones: [String], perZone: [String], perArea: Int, services: CRMServices,
                             on db: any Database) async throws -> [Area] {
        var out: [Area] = []
        for zone in zones {
            let z = try await Areas.create(ctx, .init(name: zone, kind: "zone"), services: services, on: db)
            for name in perZone {
                let a = try await Areas.create(ctx, .init(name: name, kind: "area", parentID: z.id!.uuidString), services: services, on: db)
                out.append(a)
                for b in 0..<perArea {
                    out.append(try await Areas.create(ctx, .init(name: "\(name) Tower \(b + 1)", kind: "building", parentID: a.id!.uuidString),
                                                      services: services, on: db))
                }
            }
        }
        return out
    }
}
