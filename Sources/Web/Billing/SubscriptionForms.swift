import Billing
import CRM
import Foundation
import MeghnaCore
import Platform
import Vapor

/// The forms of a subscription's page, each shown for the states it applies to.
extension HTML {
    mutating func subscriptionForms(_ s: Subscription, plans: [Plan], forms: [String: FormState], quote: PlanChangeQuote?, csrf: String) {
        let id = s.id!
        el("div", [.class("panel")]) { h in
            h.raw("<h2>Change the service</h2>")
            switch s.status {
            case .pending:
                let form = forms["activate"] ?? FormState()
                h.postForm(BillingRoutes.activateSubscription.link(id), csrf: csrf, class: "form", id: "activate-form") { h in
                    h.formError(form.general)
                    h.field("Started on", "on", form: form, type: "date", id: "activate_on", hint: "Empty: today")
                    h.raw(#"<div class="form-actions"><button class="btn primary" type="submit">Activate</button></div>"#)
                }
            case .active where s.expiresOn != nil:
                h.rechargeForm(s, form: forms["recharge"] ?? FormState(), csrf: csrf)
            case .active:
                h.planChangeForm(s, plans: plans, form: forms["plan"] ?? FormState(values: ["effective": "now"]), quote: quote, csrf: csrf)
                let form = forms["suspend"] ?? FormState()
                h.postForm(BillingRoutes.suspendSubscription.link(id), csrf: csrf, class: "form", id: "suspend-form") { h in
                    h.raw("<h3>Suspend</h3>")
                    h.formError(form.general)
                    h.el("div", [.class("grid")]) { h in
                        h.field("Reason", "reason", form: form, id: "suspend_reason", [.flag("required")])
                        h.field("From", "on", form: form, type: "date", id: "suspend_on", hint: "Empty: today")
                        h.selectField("Billing", "pause_billing", [Choice(value: "false", label: "Goes on (non-payment)", checked: form.values["pause_billing"] != "true"),
                                                                   Choice(value: "true", label: "Paused (customer's request)", checked: form.values["pause_billing"] == "true")],
                                      form: form, id: "suspend_pause")
                    }
                    h.raw(#"<div class="form-actions"><button class="btn" type="submit">Suspend</button></div>"#)
                }
            case .suspended:
                let form = forms["resume"] ?? FormState()
                h.postForm(BillingRoutes.resumeSubscription.link(id), csrf: csrf, class: "form", id: "resume-form") { h in
                    h.formError(form.general)
                    h.field("Resumed on", "on", form: form, type: "date", id: "resume_on", hint: "Empty: today")
                    h.raw(#"<div class="form-actions"><button class="btn primary" type="submit">Resume</button></div>"#)
                }
            case .terminated:
                h.el("p", [.class("muted")], text: "This service has ended; sign the customer up again for a new one.")
            }
            if s.status != .terminated {
                let form = forms["terminate"] ?? FormState()
                h.postForm(BillingRoutes.terminateSubscription.link(id), csrf: csrf, class: "form", id: "terminate-form",
                           confirm: "End this service for good? The rest of a billed period is credited.") { h in
                    h.raw("<h3>Terminate</h3>")
                    h.formError(form.general)
                    h.el("div", [.class("grid")]) { h in
                        h.field("Reason", "reason", form: form, id: "terminate_reason", [.flag("required")])
                        h.field("Ends on", "on", form: form, type: "date", id: "terminate_on", hint: "Empty: today; that day is not charged")
                    }
                    h.raw(#"<div class="form-actions"><button class="btn danger" type="submit">Terminate</button></div>"#)
                }
            }
        }
    }

    /// Prepaid: one more validity package, invoiced at once.
    mutating func rechargeForm(_ s: Subscription, form: FormState, csrf: String) {
        postForm(BillingRoutes.rechargeSubscription.link(s.id!), csrf: csrf, class: "form", id: "recharge-form",
                 confirm: "Recharge one more package? It is invoiced now.") { h in
            h.raw("<h3>Recharge</h3>")
            h.formError(form.general)
            h.el("p", [.class("muted")], text: "Service runs through \(s.expiresOn ?? ""); a recharge adds its days after that (or from today once it has lapsed).")
            h.field("On", "on", form: form, type: "date", id: "recharge_on", hint: "Empty: today")
            h.raw(#"<div class="form-actions"><button class="btn primary" type="submit">Recharge</button></div>"#)
        }
    }

    mutating func planChangeForm(_ s: Subscription, plans: [Plan], form: FormState, quote: PlanChangeQuote?, csrf: String) {
        let choices = plans.filter { $0.id != s.planID && $0.billingKind == .postpaidMonthly }
            .map { Choice(value: $0.id!.pathValue, label: "\($0.name) · \($0.priceMoney)", checked: $0.id!.pathValue == form.values["plan_id"]) }
        postForm(BillingRoutes.changeSubscriptionPlan.link(s.id!), csrf: csrf, class: "form", id: "plan-change-form") { h in
            h.raw("<h3>Change plan</h3>")
            h.formError(form.general)
            h.el("div", [.class("grid")]) { h in
                h.selectField("New plan", "plan_id", [Choice(value: "", label: "Choose a plan", checked: form.values["plan_id"] == nil)] + choices, form: form, id: "change_plan")
                h.selectField("When", "effective", [Choice(value: "now", label: "Now, prorated", checked: form.values["effective"] != "period_end"),
                                                    Choice(value: "period_end", label: "At the end of this period", checked: form.values["effective"] == "period_end")],
                              form: form, id: "change_effective")
                h.field("On", "on", form: form, type: "date", id: "change_on", hint: "Empty: today")
            }
            if let quote {
                h.el("div", [.class("quote"), .attr("id", literal: "proration-quote")]) { h in
                    if let q = quote.quote {
                        h.el("p", text: "Period \(q.period.start) – \(q.period.end): \(q.remainingDays) of \(q.periodDays) days remain (the change day counts).")
                        h.el("p", text: "Credit for the old plan \(q.credit.decimalString), charge for the new \(q.charge.decimalString): net \(q.net.decimalString) on the next invoice.")
                    } else {
                        h.el("p", text: "The new plan starts on \(quote.startsOn); nothing is prorated.")
                    }
                }
                h.raw(#"<div class="form-actions"><button class="btn primary" type="submit" name="preview" value="false">Confirm the change</button> "#)
                h.raw(#"<button class="btn" type="submit" name="preview" value="true">Preview again</button></div>"#)
            } else {
                h.raw(#"<div class="form-actions"><button class="btn" type="submit" name="preview" value="true">Preview</button></div>"#)
            }
        }
    }
}
