import Foundation
import MeghnaCore

/// An account as postings name it: a stable key, a name for people, and its type. Accounts are
/// created the first time a posting names them, so an organization's chart grows with use: the
/// fixed accounts below, plus one receivable and one credit account per customer, one revenue
/// account per plan category, one tax account per tax rule and one wallet per reseller.
public struct AccountSpec: Sendable, Hashable {
    public var key: String
    public var name: String
    public var type: AccountType

    public init(key: String, name: String, type: AccountType) {
        self.key = key
        self.name = name
        self.type = type
    }
}

/// The chart of accounts every organization shares.
public enum Chart {
    public static let cash = AccountSpec(key: "cash", name: "Cash", type: .asset)
    public static let bank = AccountSpec(key: "bank", name: "Bank", type: .asset)
    public static let mobileMoney = AccountSpec(key: "mobile_money", name: "Mobile money (bKash, Nagad)", type: .asset)
    public static let gatewayClearing = AccountSpec(key: "gateway_clearing", name: "Payment gateway clearing", type: .asset)
    /// Contra-revenue: what discounts took off invoices (debit-normal, shown among expenses).
    public static let discounts = AccountSpec(key: "discounts", name: "Discounts given", type: .expense)
    public static let commissionExpense = AccountSpec(key: "commission_expense", name: "Reseller commission", type: .expense)
    public static let writeOffs = AccountSpec(key: "write_offs", name: "Bad debts written off", type: .expense)
    public static let openingBalances = AccountSpec(key: "opening_balances", name: "Opening balances", type: .equity)

    /// What a customer owes (debit balance).
    public static func receivable(customerID: UUID, label: String) -> AccountSpec {
        AccountSpec(key: "receivable:\(customerID.lowercasedText)", name: "Receivable · \(label)", type: .asset)
    }

    /// What the ISP owes a customer: overpayments and credit notes not yet used (credit balance).
    public static func customerCredit(customerID: UUID, label: String) -> AccountSpec {
        AccountSpec(key: "customer_credit:\(customerID.lowercasedText)", name: "Customer credit · \(label)", type: .liability)
    }

    /// Revenue of one category of what is sold ("internet", "static_ip", "installation" …).
    public static func revenue(category: String, label: String) -> AccountSpec {
        AccountSpec(key: "revenue:\(category)", name: "Revenue · \(label)", type: .revenue)
    }

    /// Tax collected and owed to the authority, one account per tax rule.
    public static func taxPayable(code: String, label: String) -> AccountSpec {
        AccountSpec(key: "tax_payable:\(code)", name: "Tax payable · \(label)", type: .liability)
    }

    /// Prepaid money a reseller holds with the ISP (credit balance).
    public static func resellerWallet(resellerID: UUID, label: String) -> AccountSpec {
        AccountSpec(key: "reseller_wallet:\(resellerID.lowercasedText)", name: "Reseller wallet · \(label)", type: .liability)
    }

    /// Per-party accounts (one per customer or reseller) are summed into one trial-balance row
    /// per group; the others stand alone.
    public static let partyGroups: [String: String] = [
        "receivable": "Accounts receivable",
        "customer_credit": "Customer credit",
        "reseller_wallet": "Reseller wallets",
    ]

    /// "receivable" for "receivable:<id>", nil for an account that is not per party.
    public static func partyGroup(ofKey key: String) -> String? {
        guard let colon = key.firstIndex(of: ":") else { return nil }
        let prefix = String(key[..<colon])
        return partyGroups[prefix] == nil ? nil : prefix
    }
}
