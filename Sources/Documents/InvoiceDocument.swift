import Foundation

/// Everything an invoice or credit note PDF shows, as text ready to print.
///
/// Amounts, dates and quantities arrive already formatted (this target knows nothing about
/// billing models or money arithmetic); ``InvoicePDF/render(_:)`` only lays them out.
/// Text is printed in WinAnsiEncoding, so Bengali script shows as "?" (see ``PDFFont``).
public struct InvoiceDocument: Sendable {
    /// Who issues the invoice.
    public struct Seller: Sendable {
        /// The company name, set large at the top left.
        public var name: String
        /// Postal address, one entry per printed line.
        public var addressLines: [String]
        /// Printed as given, e.g. "Phone: +880 1711-000000".
        public var phone: String?
        /// Printed as given.
        public var email: String?
        /// Printed as given, e.g. "BIN: 000123456-0101".
        public var taxID: String?

        /// A seller; every line is printed as given.
        public init(name: String, addressLines: [String] = [], phone: String? = nil, email: String? = nil, taxID: String? = nil) {
            self.name = name
            self.addressLines = addressLines
            self.phone = phone
            self.email = email
            self.taxID = taxID
        }
    }

    /// Who is billed.
    public struct BillTo: Sendable {
        /// The customer's name, set in bold.
        public var name: String
        /// The customer's account number; printed after ``Labels/customerNumber``.
        public var customerNumber: String?
        /// Billing address, one entry per printed line.
        public var addressLines: [String]
        /// Printed as given.
        public var phone: String?

        /// A customer; every line is printed as given.
        public init(name: String, customerNumber: String? = nil, addressLines: [String] = [], phone: String? = nil) {
            self.name = name
            self.customerNumber = customerNumber
            self.addressLines = addressLines
            self.phone = phone
        }
    }

    /// One row of the lines table.
    public struct Line: Sendable {
        /// Wraps within its column when long.
        public var description: String
        /// A smaller second line, e.g. "Prorated: 12 of 31 days".
        public var detail: String?
        /// E.g. "1" or "2.5 GB"; the column appears only when some line has one.
        public var quantity: String?
        /// The column appears only when some line has one.
        public var unitPrice: String?
        /// The line total, right-aligned.
        public var amount: String

        /// A table row; the amount is right-aligned.
        public init(description: String, detail: String? = nil, quantity: String? = nil, unitPrice: String? = nil, amount: String) {
            self.description = description
            self.detail = detail
            self.quantity = quantity
            self.unitPrice = unitPrice
            self.amount = amount
        }
    }

    /// One row of the totals block: subtotal, a discount, a tax, total, paid, balance due.
    public struct SummaryRow: Sendable {
        /// E.g. "VAT 5%"; wraps when long.
        public var label: String
        /// Right-aligned.
        public var amount: String
        /// Bold rows (total, balance due) are set larger on a shaded band.
        public var bold: Bool

        /// A totals row.
        public init(label: String, amount: String, bold: Bool = false) {
            self.label = label
            self.amount = amount
            self.bold = bold
        }
    }

    /// Colour of the status stamp.
    public enum StatusTone: Sendable {
        /// Grey, e.g. "DRAFT".
        case neutral
        /// Green, e.g. "PAID".
        case positive
        /// Red, e.g. "VOID" or "OVERDUE".
        case negative
    }

    /// The fixed words of the layout, English unless replaced.
    public struct Labels: Sendable {
        /// Beside the document number.
        public var number = "Number"
        /// Beside the issue date.
        public var issueDate = "Issue date"
        /// Beside the due date.
        public var dueDate = "Due date"
        /// Beside the billing period.
        public var period = "Period"
        /// Heading of the customer block.
        public var billTo = "BILL TO"
        /// Heading of the service address block.
        public var serviceAddress = "SERVICE ADDRESS"
        /// Before the customer number.
        public var customerNumber = "Customer no."
        /// Column heading.
        public var description = "Description"
        /// Column heading.
        public var quantity = "Qty"
        /// Column heading.
        public var unitPrice = "Unit price"
        /// Column heading.
        public var amount = "Amount"
        /// Before the amount in words.
        public var amountInWords = "Amount in words:"
        /// Heading of the notes.
        public var notes = "Payment instructions"
        /// Caption under the QR code.
        public var scanToPay = "Scan to pay"
        /// In the header of the second and later pages.
        public var continued = "continued"
        /// "Page" in "Page 2 of 3".
        public var page = "Page"
        /// "of" in "Page 2 of 3".
        public var of = "of"

        /// The English labels.
        public init() {}
    }

    /// The issuer, at the top left.
    public var seller: Seller
    /// "INVOICE" or "CREDIT NOTE".
    public var title: String
    /// The document number, e.g. "INV-2025-000123".
    public var number: String
    /// Printed as given.
    public var issueDate: String
    /// Printed as given; left out when nil (a credit note has none).
    public var dueDate: String?
    /// The billing period, e.g. "1 Mar 2025 – 31 Mar 2025".
    public var period: String?
    /// Shown as a stamp, e.g. "PAID" or "VOID".
    public var status: String?
    /// The colour of the status stamp.
    public var statusTone: StatusTone
    /// The customer.
    public var billTo: BillTo
    /// Where the service is delivered, beside the customer; left out when empty.
    public var serviceAddressLines: [String]
    /// The rows of the lines table, in order.
    public var lines: [Line]
    /// The totals block under the table, in order.
    public var summary: [SummaryRow]
    /// E.g. ``AmountInWords/english(minorUnits:currency:)`` of the total.
    public var amountInWords: String?
    /// Notes and payment instructions; line breaks are kept, long lines wrap.
    public var notes: String?
    /// Printed as text and as a QR code beside the notes.
    public var paymentLink: String?
    /// Small print at the bottom of every page.
    public var footer: String?
    /// The fixed words of the layout.
    public var labels: Labels
    /// The PDF's /CreationDate; none when nil, which keeps the output reproducible.
    public var creationDate: Date?

    /// An invoice; only the seller, title, number, issue date, customer, lines and summary are required.
    public init(
        seller: Seller, title: String = "INVOICE", number: String, issueDate: String, dueDate: String? = nil,
        period: String? = nil, status: String? = nil, statusTone: StatusTone = .neutral, billTo: BillTo,
        serviceAddressLines: [String] = [], lines: [Line], summary: [SummaryRow], amountInWords: String? = nil,
        notes: String? = nil, paymentLink: String? = nil, footer: String? = nil, labels: Labels = Labels(),
        creationDate: Date? = nil
    ) {
        self.seller = seller
        self.title = title
        self.number = number
        self.issueDate = issueDate
        self.dueDate = dueDate
        self.period = period
        self.status = status
        self.statusTone = statusTone
        self.billTo = billTo
        self.serviceAddressLines = serviceAddressLines
        self.lines = lines
        self.summary = summary
        self.amountInWords = amountInWords
        self.notes = notes
        self.paymentLink = paymentLink
        self.footer = footer
        self.labels = labels
        self.creationDate = creationDate
    }
}
