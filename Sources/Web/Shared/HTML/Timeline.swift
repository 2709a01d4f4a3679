import Foundation
import MeghnaCore
import Platform

/// The activity timeline of a record (a customer, a lead, a reseller; billing and network records
/// write there too): newest first, each entry with its kind, summary, who and when, the text of a
/// note or call, the field-level changes (before → after) and a link to a related record; above
/// them the note/call form when the person may write.
enum Timeline {
    /// The form that adds a note or logs a call: where it posts and what was typed (after an error).
    struct NoteForm {
        var action: Link
        var csrf: String
        var state: FormState

        init(action: Link, csrf: String, state: FormState = FormState()) {
            self.action = action
            self.csrf = csrf
            self.state = state
        }
    }

    /// The page of the record an entry links to (the customer a lead became, and back), when
    /// that kind of record has one.
    static func related(_ activity: Activity) -> (link: Link, label: String)? {
        guard let id = activity.relatedID, let type = activity.relatedType else { return nil }
        return AreaModules.all.lazy.compactMap { $0.recordLink(type: type, id: id) }.first
    }
}

extension HTML {
    /// The timeline under `heading` (`id="timeline"`, so a redirect can land on it), the note form
    /// when given, then the entries. `date` writes an entry's time as the page shows times.
    mutating func timeline(_ activities: [Activity], heading: StaticString = "Timeline", date: (Date) -> String, note: Timeline.NoteForm?) {
        raw(#"<h2 id="timeline">"#)
        raw(heading)
        raw("</h2>")
        if let note { noteForm(note) }
        el("ol", [.class("timeline")]) { h in
            for activity in activities { h.timelineEntry(activity, date: date) }
        }
    }

    private mutating func noteForm(_ note: Timeline.NoteForm) {
        postForm(note.action, csrf: note.csrf, class: "form panel note-form", id: "note-form") { h in
            let error = note.state.errors["body"]
            h.el("div", [.classes(error == nil ? "field" : "field invalid")]) { h in
                h.fieldLabel("Add a note or log a call", for: "note_body")
                h.el("textarea", [.id("note_body"), .name("body"), .flag("required"), .attr("maxlength", literal: "4000")],
                     text: note.state.values["body"] ?? "")
                h.fieldError("Text", error)
            }
            h.el("div", [.class("form-actions")]) { h in
                h.raw(#"<button class="btn primary" type="submit" name="kind" value="note">Add note</button> "#)
                h.raw(#"<button class="btn" type="submit" name="kind" value="call">Log call</button>"#)
            }
        }
    }

    private mutating func timelineEntry(_ activity: Activity, date: (Date) -> String) {
        el("li", [.classes("entry " + activity.kind)]) { h in
            h.el("div", [.class("entry-head")]) { h in
                h.el("span", [.class("badge")], text: activity.kind)
                h.raw(" ")
                h.el("strong", text: activity.summary)
                h.raw(" ")
                h.el("small", [.class("muted")], text: activity.actorLabel + " · " + date(activity.createdAt))
            }
            if let body = activity.body, !body.isEmpty {
                h.el("p", [.class("entry-body")], text: body)
            }
            let changes = activity.changes
            if !changes.isEmpty {
                h.raw(#"<table class="changes"><tbody>"#)
                for change in changes {
                    h.raw("<tr>")
                    h.el("th", text: change.field.replacingOccurrences(of: "_", with: " "))
                    h.el("td", [.class("before")], text: change.before ?? "—")
                    h.raw("<td>→</td>")
                    h.el("td", [.class("after")], text: change.after ?? "—")
                    h.raw("</tr>")
                }
                h.raw("</tbody></table>")
            }
            if let related = Timeline.related(activity) {
                h.el("p") { h in h.el("a", [.href(related.link)], text: related.label) }
            }
        }
    }
}
