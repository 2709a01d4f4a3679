import Foundation
import Testing
import MeghnaCore

@Suite("PhoneNumber")
struct PhoneNumberTests {
    @Test("Valid Bangladeshi forms normalise to E.164", arguments: [
        ("01712345678", "+8801712345678"),
        ("1712345678", "+8801712345678"),
        ("8801712345678", "+8801712345678"),
        ("+8801712345678", "+8801712345678"),
        ("008801712345678", "+8801712345678"),
        ("+880 1712-345678", "+8801712345678"),
        ("+88 017 1234 5678", "+8801712345678"),
        ("+880 01712345678", "+8801712345678"),
        ("(+880) 1712.345.678", "+8801712345678"),
        ("017-1234-5678", "+8801712345678"),
        ("  01712 345678\t", "+8801712345678"),
        ("০১৭১২৩৪৫৬৭৮", "+8801712345678"),
        ("01312345678", "+8801312345678"),
        ("01412345678", "+8801412345678"),
        ("01512345678", "+8801512345678"),
        ("01612345678", "+8801612345678"),
        ("01812345678", "+8801812345678"),
        ("01912345678", "+8801912345678"),
    ])
    func validBangladesh(input: String, expected: String) throws {
        let phone = try PhoneNumber(parsing: input)
        #expect(phone.e164 == expected)
        #expect(phone.isBangladeshMobile)
        #expect(phone.description == expected)
    }

    @Test("Foreign numbers keep their country code", arguments: [
        ("+44 20 7946 0958", "+442079460958"),
        ("0044 20 7946 0958", "+442079460958"),
        ("+1 (415) 555-2671", "+14155552671"),
        ("+91 98765 43210", "+919876543210"),
        ("00971501234567", "+971501234567"),
    ])
    func validInternational(input: String, expected: String) throws {
        let phone = try PhoneNumber(parsing: input)
        #expect(phone.e164 == expected)
        #expect(!phone.isBangladeshMobile)
        #expect(phone.national == expected)
    }

    @Test("Invalid input reports the right problem", arguments: [
        ("", PhoneNumber.Problem.empty),
        ("   ", .empty),
        ("- ( ) .", .empty),
        ("01212345678", .invalidBangladeshMobile),        // operator 012 does not exist
        ("01112345678", .invalidBangladeshMobile),
        ("01012345678", .invalidBangladeshMobile),
        ("0171234567", .invalidBangladeshMobile),         // too short
        ("017123456789", .invalidBangladeshMobile),       // too long
        ("+88017123456789", .invalidBangladeshMobile),
        ("8801212345678", .invalidBangladeshMobile),
        ("+8801212345678", .invalidBangladeshMobile),
        ("008801212345678", .invalidBangladeshMobile),
        ("02-9876543", .invalidBangladeshMobile),         // Dhaka landline
        ("12345", .invalidBangladeshMobile),
        ("14155552671", .invalidBangladeshMobile),        // no + or 00: read as Bangladeshi
        ("0171234567a", .invalidCharacters),
        ("call 01712345678", .invalidCharacters),
        ("01712345678 ext 2", .invalidCharacters),
        ("017+12345678", .invalidCharacters),
        ("++8801712345678", .invalidCharacters),
        ("01712/345678", .invalidCharacters),
        ("+", .invalidInternational),
        ("+44 1234", .invalidInternational),              // too short
        ("+44 1234 5678 9012 34", .invalidInternational), // 16 digits, too long
        ("0044123", .invalidInternational),
        ("+0441234567890", .invalidInternational),
        ("000441234567890", .invalidInternational),
    ])
    func invalid(input: String, problem: PhoneNumber.Problem) {
        #expect(throws: problem) { try PhoneNumber(parsing: input) }
    }

    @Test func problemDescriptionsAreSentences() {
        for problem in [PhoneNumber.Problem.empty, .invalidCharacters, .invalidBangladeshMobile, .invalidInternational] {
            #expect(problem.description.hasSuffix("."))
            #expect(problem.description.first?.isUppercase == true)
        }
    }

    @Test func nationalAndSearchForms() throws {
        let phone = try PhoneNumber(parsing: "+880 1712-345678")
        #expect(phone.national == "01712345678")
        #expect(phone.searchForms == ["+8801712345678", "8801712345678", "01712345678", "1712345678"])

        let foreign = try PhoneNumber(parsing: "0044 20 7946 0958")
        #expect(foreign.national == "+442079460958")
        #expect(foreign.searchForms == ["+442079460958", "442079460958"])
    }

    @Test func equalityAndHashingUseE164() throws {
        let a = try PhoneNumber(parsing: "01712345678")
        let b = try PhoneNumber(parsing: "+880-1712-345678")
        #expect(a == b)
        #expect(Set([a, b]).count == 1)
    }

    @Test func codableRoundTripsAsString() throws {
        let phone = try PhoneNumber(parsing: "01712345678")
        let data = try JSONEncoder().encode([phone])
        #expect(String(decoding: data, as: UTF8.self) == #"["+8801712345678"]"#)
        #expect(try JSONDecoder().decode([PhoneNumber].self, from: data) == [phone])

        // Decoding accepts any form people type, and rejects junk.
        let typed = try JSONDecoder().decode([PhoneNumber].self, from: Data(#"["017 1234 5678"]"#.utf8))
        #expect(typed == [phone])
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode([PhoneNumber].self, from: Data(#"["01212345678"]"#.utf8))
        }
    }
}
