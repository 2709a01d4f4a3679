import Testing
@testable import Notifications

@Suite("Message templates (Mustache)")
struct TextTemplateTests {
    let names: Set<String> = ["customer_name", "amount_due", "due_date"]

    func problem(_ source: String) -> String? {
        do { _ = try TextTemplate(source, variables: names); return nil } catch { return error.message }
    }

    @Test func fillsValuesAsPlainTextAndLeavesOutSectionsWithoutAValue() throws {
        let t = try TextTemplate("Dear {{customer_name}},{{#amount_due}} you owe {{amount_due}}{{/amount_due}}{{^amount_due}} nothing is due{{/amount_due}}.",
                                 variables: names)
        #expect(t.render(["customer_name": "Rahim & Sons <Uttara>", "amount_due": "1,500.00"]) == "Dear Rahim & Sons <Uttara>, you owe 1,500.00.",
                "an SMS is not HTML: nothing is escaped")
        #expect(t.render(["customer_name": "Rahim", "amount_due": ""]) == "Dear Rahim, nothing is due.", "an empty value leaves its section out")
        #expect(t.render(["customer_name": "Rahim"]) == "Dear Rahim, nothing is due.")
        let bangla = try TextTemplate("প্রিয় {{customer_name}}, আপনার বিল {{amount_due}} টাকা {{due_date}} তারিখে দেয়।", variables: names)
        #expect(bangla.render(["customer_name": "রহিম", "amount_due": "1,500.00", "due_date": "8 Mar 2026"]) == "প্রিয় রহিম, আপনার বিল 1,500.00 টাকা 8 Mar 2026 তারিখে দেয়।")
        #expect(try TextTemplate("{{! a note for staff }}Hi {{{customer_name}}} {{& customer_name}}", variables: names).render(["customer_name": "A<B"]) == "Hi A<B A<B")
    }

    @Test func refusesWhatATemplateMustNotReachWithASentence() {
        #expect(problem("Dear {{customer}}") == "uses {{customer}}, which is not a variable of this message (it has {{amount_due}}, {{customer_name}}, {{due_date}})")
        #expect(problem("{{#secrets}}x{{/secrets}}")?.hasPrefix("uses {{secrets}}") == true)
        #expect(problem("{{> header}} hi") == "includes another template ({{>header}}), which messages do not support")
        #expect(problem("{{=<% %>=}} <% customer_name %>")?.hasPrefix("changes the template's settings") == true)
        #expect(problem("{{% CONTENT_TYPE: HTML}}x")?.hasPrefix("changes the template's settings") == true)
        #expect(problem("{{$block}}x{{/block}}")?.hasPrefix("uses a block") == true)
        #expect(problem("{{uppercased(customer_name)}}")?.hasPrefix("uses {{uppercased(customer_name)}}") == true, "no functions")
        #expect(problem("Line one\n{{#amount_due}}owed") == "is not a valid template: a section is opened and never closed (line 2)")
        #expect(problem("{{#amount_due}}owed{{/due_date}}")?.hasPrefix("is not a valid template: a section is closed with another name") == true)
        #expect(problem(String(repeating: "a", count: TextTemplate.maxLength + 1)) == "must be at most 5000 characters")
        #expect(problem("Plain text with {single} braces and no tags") == nil)
    }
}
