import Foundation
import Testing
@testable import Documents

// Invoice layout, checked with the reader in PDFTests.swift and with real PDF tools:
// `qpdf --check` (apt-get install qpdf) and `pdftotext -layout` (apt-get install poppler-utils).

// MARK: - Fixtures

private let paymentLink = "https://pay.meghna.example/i/INV-2025-000123?t=8f3a9c"

private let longDescription = "Static IPv4 address (203.0.113.7) with reverse DNS and abuse handling, billed monthly, "
    + "including the one-time setup fee that was waived for the first three months"

func sampleInvoice(lineCount: Int = 3, status: String? = "PAID") -> InvoiceDocument {
    var lines: [InvoiceDocument.Line] = [
        .init(description: "Home Fiber 50 Mbps (monthly)", detail: "1 Mar 2025 – 31 Mar 2025", quantity: "1",
              unitPrice: "1,200.00", amount: "1,200.00"),
        .init(description: longDescription, detail: "Prorated: 12 of 31 days", quantity: "1", unitPrice: "500.00", amount: "193.55"),
        .init(description: "Router rental", quantity: "1", unitPrice: "150.00", amount: "150.00"),
    ]
    for index in lines.count..<max(lineCount, lines.count) {
        lines.append(.init(description: "Line item \(index + 1) (extra service)", detail: index % 5 == 0 ? "Detail \(index + 1)" : nil,
                           quantity: "\(index % 3 + 1)", unitPrice: "10.00", amount: "\(10 * (index % 3 + 1)).00"))
    }
    return InvoiceDocument(
        seller: .init(name: "Meghna Net Ltd.", addressLines: ["House 12, Road 7, Dhanmondi", "Dhaka 1205, Bangladesh"],
                      phone: "Phone: +880 1711-000000", email: "billing@meghna.example", taxID: "BIN: 000123456-0101"),
        title: "INVOICE", number: "INV-2025-000123", issueDate: "1 Mar 2025", dueDate: "15 Mar 2025",
        period: "1 Mar 2025 – 31 Mar 2025", status: status, statusTone: .positive,
        billTo: .init(name: "Rahim Uddin", customerNumber: "C-000042", addressLines: ["Flat 3B, 45 Lake Circus", "Kalabagan, Dhaka 1205"],
                      phone: "+880 1811-222333"),
        serviceAddressLines: ["Flat 3B, 45 Lake Circus", "Kalabagan, Dhaka 1205"],
        lines: lines,
        summary: [
            .init(label: "Subtotal", amount: "1,543.55"), .init(label: "Discount (loyalty 5%)", amount: "-77.18"),
            .init(label: "VAT 5%", amount: "73.32"), .init(label: "Total", amount: "BDT 1,539.69", bold: true),
            .init(label: "Paid", amount: "-1,539.69"), .init(label: "Balance due", amount: "BDT 0.00", bold: true),
        ],
        amountInWords: AmountInWords.english(minorUnits: 153_969, currency: "BDT"),
        notes: "Pay by bKash to 01711-000000 (merchant), or by bank transfer:\n"
            + "Dutch-Bangla Bank, A/C 123.456.7890, Dhanmondi branch.\nQuote the invoice number as the reference.",
        paymentLink: paymentLink,
        footer: "Meghna Net Ltd. is registered with BTRC (ISP licence ISP-NW-123). Thank you for your business."
    )
}

// MARK: - External tools

/// Writes the PDF to a temporary file and runs `tool` on it; fails clearly when the tool is missing.
private func run(_ tool: String, package: String, _ arguments: [String], on pdf: [UInt8]) throws -> (status: Int32, output: String) {
    try #require(
        FileManager.default.isExecutableFile(atPath: tool),
        "\(tool) not found; install it with `apt-get install \(package)`"
    )
    let file = FileManager.default.temporaryDirectory.appendingPathComponent("meghna-pdf-\(UUID().uuidString).pdf")
    try Data(pdf).write(to: file)
    defer { try? FileManager.default.removeItem(at: file) }

    let process = Process()
    process.executableURL = URL(fileURLWithPath: tool)
    process.arguments = arguments.map { $0 == "FILE" ? file.path : $0 }
    let output = Pipe()
    process.standardOutput = output
    process.standardError = output
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

private func pdftotext(_ pdf: [UInt8]) throws -> String {
    let result = try run("/usr/bin/pdftotext", package: "poppler-utils", ["-layout", "-enc", "UTF-8", "FILE", "-"], on: pdf)
    try #require(result.status == 0, "pdftotext exited with \(result.status): \(result.output)")
    return result.output
}

// MARK: - Tests

@Suite("Invoice PDF")
struct InvoicePDFTests {
    @Test("qpdf --check passes", arguments: [3, 120])
    func qpdfCheck(lineCount: Int) throws {
        let pdf = InvoicePDF.render(sampleInvoice(lineCount: lineCount))
        let result = try run("/usr/bin/qpdf", package: "qpdf", ["--check", "FILE"], on: pdf)
        #expect(result.status == 0, "qpdf: \(result.output)")
        #expect(result.output.contains("No syntax or stream encoding errors found"), "qpdf: \(result.output)")
        _ = try PDFFileReader(pdf)
    }

    @Test("pdftotext finds the invoice on one page")
    func onePage() throws {
        let invoice = sampleInvoice()
        let text = try pdftotext(InvoicePDF.render(invoice))
        for expected in ["INVOICE", "INV-2025-000123", "Rahim Uddin", "C-000042", "BIN: 000123456-0101", "PAID",
                         "Home Fiber 50 Mbps (monthly)", "Router rental", "Prorated: 12 of 31 days", "BDT 1,539.69",
                         "One Thousand Five Hundred Thirty Nine Taka and Sixty Nine Paisa Only", "Dutch-Bangla Bank",
                         "Scan to pay", "1 Mar 2025 – 31 Mar 2025", "Page 1 of 1", "Thank you for your business."] {
            #expect(text.contains(expected), "missing \(expected)")
        }
        // The long description wraps inside its column: each wrapped line appears on its own.
        let columns = Columns(lines: invoice.lines, left: 42, right: PDFPageSize.a4.width - 42)
        let wrapped = PDFFont.helvetica.wrap(longDescription, size: 9.5, width: columns.descriptionWidth)
        #expect(wrapped.count > 1)
        for line in wrapped {
            #expect(text.contains(line), "missing wrapped line \(line)")
        }
        #expect(!text.contains("Page 2"))
    }

    @Test("a 120-line invoice flows onto further pages with headings and page numbers")
    func manyPages() throws {
        let invoice = sampleInvoice(lineCount: 120, status: nil)
        let pdf = InvoicePDF.render(invoice)
        let file = try PDFFileReader(pdf)
        let pageCount = file.contents.count
        #expect(pageCount >= 3)
        let text = try pdftotext(pdf)
        let pages = text.split(separator: "\u{0C}", omittingEmptySubsequences: true).filter { !$0.allSatisfy(\.isWhitespace) }
        #expect(pages.count == pageCount)
        for (index, page) in pages.enumerated() {
            #expect(page.contains("Page \(index + 1) of \(pageCount)"))
            #expect(page.contains("Thank you for your business."))
            if index > 0 { #expect(page.contains("INVOICE INV-2025-000123 (continued)")) }
        }
        #expect(text.contains("Page 2 of"))
        for line in invoice.lines.dropFirst(3) {
            #expect(text.contains(line.description), "missing \(line.description)")
        }
        // Every page that holds table rows repeats the column headings.
        let rowPages = pages.filter { $0.contains("(extra service)") }
        #expect(rowPages.count >= 2)
        #expect(rowPages.allSatisfy { $0.contains("Description") && $0.contains("Unit price") && $0.contains("Amount") })
        for expected in ["INV-2025-000123", "Rahim Uddin", "BDT 1,539.69", "Sixty Nine Paisa Only"] {
            #expect(text.contains(expected), "missing \(expected)")
        }
        #expect(!text.contains("PAID"))
    }

    @Test("the payment link is drawn as a QR code of its URL")
    func qrCode() throws {
        let file = try PDFFileReader(InvoicePDF.render(sampleInvoice()))
        let content = try #require(file.contents.first)
        let code = try QRCode(text: paymentLink, errorCorrection: .medium)
        // Find the symbol's origin from its first rectangle (the top-left finder pattern).
        let start = try #require(content.range(of: "/QRCode BMC"))
        let first = try #require(content[start.upperBound...].split(separator: "\n").first { $0.hasSuffix(" re") })
        let numbers = first.split(separator: " ").compactMap { Double($0) }
        let side = 92.0
        let module = side / Double(code.size + 4)
        let x = numbers[0] - 2 * module
        let y = PDFPageSize.a4.height - numbers[1] - numbers[3] - 2 * module
        let drawn = try qrModules(in: content, x: x, y: y, side: side, size: code.size, quietZone: 2, pageHeight: PDFPageSize.a4.height)
        #expect(drawn == darkModules(of: code))
    }

    @Test("a row taller than a page is split across pages; no text runs into the footer")
    func tallRow() throws {
        var invoice = sampleInvoice()
        let words = (1...700).map { "word\($0)" }
        invoice.lines.insert(.init(description: words.joined(separator: " "), amount: "1.00"), at: 1)
        for document in [invoice, sampleInvoice(lineCount: 120)] {
            let pdf = InvoicePDF.render(document)
            let layout = InvoiceLayout(document)
            let file = try PDFFileReader(pdf)
            for content in file.contents {
                for line in content.split(separator: "\n") where line.hasPrefix("BT ") {
                    let parts = line.split(separator: " ")
                    let td = try #require(parts.firstIndex(of: "Td"))
                    let baseline = PDFPageSize.a4.height - (try #require(Double(parts[td - 1])))
                    let text = line.split(separator: "(", maxSplits: 1).last ?? ""
                    if baseline > layout.bottom {
                        #expect(text.hasPrefix("Page ") || text.hasPrefix("Meghna Net Ltd. is registered"), "\(line)")
                    }
                    #expect(baseline > 40, "\(line)")
                }
            }
        }
        let text = try pdftotext(InvoicePDF.render(invoice))
        #expect(text.contains("Page 2 of"))
        #expect(text.contains("word1 ") && text.contains("word700"))
        #expect(text.contains("Router rental") && text.contains("Sixty Nine Paisa Only"))
    }

    @Test("a credit note without optional parts, and odd text, still renders")
    func minimal() throws {
        var invoice = InvoiceDocument(
            seller: .init(name: "Meghna (Net) \\ Ltd."), title: "CREDIT NOTE", number: "CN-1", issueDate: "2 Mar 2025",
            billTo: .init(name: "রহিম উদ্দিন"), lines: [.init(description: String(repeating: "x", count: 400), amount: "-10.00")],
            summary: [.init(label: "Total", amount: "-10.00", bold: true)]
        )
        invoice.paymentLink = String(repeating: "y", count: 3000)  // too long for a QR code: printed only
        let pdf = InvoicePDF.render(invoice)
        let file = try PDFFileReader(pdf)
        #expect(!file.contents.joined().contains("/QRCode"))
        #expect(!file.contents.joined().contains("Qty"))
        let text = try pdftotext(pdf)
        #expect(text.contains("CREDIT NOTE") && text.contains("Meghna (Net) \\ Ltd.") && text.contains("Page 1 of"))
        #expect(InvoicePDF.render(invoice) == pdf)
    }
}
