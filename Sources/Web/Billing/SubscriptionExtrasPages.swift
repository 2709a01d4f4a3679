import Billing
import CRM
import Foundation
import MeghnaCore
import Platform
import Vapor

/// The add-ons and discounts of a subscription's page: lists, an add-on form with a proration
/// preview before confirming, removal, giving a discount by name or coupon, ending one.
enum SubscriptionExtrasPages {
    static func register(_ routes: any RoutesBuilder) {
        routes.post(BillingRoutes.addSubscriptionAddon, use: addAddon)
        routes.post(BillingRoutes.removeSubscriptionAddon, use: removeAddon)
        routes.post(BillingRoutes.giveSubscriptionDiscount, use: giveDiscount)
        routes.post(BillingRoutes.endSubscriptionDiscount, use: endDiscount)
    }

    /// What the subscription page shows of them, loaded once.
    struct Extras: Sendable {
        var addons: [SubscriptionAddon] = []
        var discounts: [SubscriptionDiscount] = []
        /// Pickers, only for staff who may change the subscription.
        var catalogAddons: [Addon] = []
        var catalogDiscounts: [Discount] = []
        var addonQuote: AddonChangeQuote?
    }

    static func load(_ req: Request, _ s: Subscription, canWrite: Bool) async throws -> Extras {
        let ctx = try req.ctx
        var extras = Extras(addons: try await Subscriptions.addons(ctx, s, on: req.db), discounts: try await Subscriptions.discounts(ctx, s, on: req.db))
        if canWrite, s.status != .terminated, ctx.can(.plansRead) {
            extras.catalogAddons = try await Addons.active(ctx, on: req.db)
            extras.catalogDiscounts = try await Discounts.active(ctx, on: req.db)
        }
        return extras
    }

    /// "Preview" shows the prorated charge with a confirm button; "Add" applies it.
    static func addAddon(_ req: Request, _ id: UUID) async throws -> Response {
        let values = req.formValues()
        let preview = values["preview"] == "true"
        do {
            let quote = try await Subscriptions.addAddon(try req.ctx, id.uuidString, addonID: values["addon_id"], on: values["on"], preview: preview,
                                                         services: req.services, on: req.db)
            if preview { return try await SubscriptionPages.render(req, id, forms: ["addon": FormState(values: values)], addonQuote: quote) }
            return redirect(req, to: BillingRoutes.subscription.link(id).fragment("extras"), flash: "Add-on added.")
        } catch let error as DomainError where error.showsOnForm {
            return try await SubscriptionPages.render(req, id, forms: ["addon": CRMForms.formState(values, error)], status: .unprocessableEntity)
        }
    }

    static func removeAddon(_ req: Request, _ id: UUID) async throws -> Response {
        let ctx = try req.ctx
        return try await SubscriptionPages.change(req, id, form: "addon-remove", done: "Add-on removed; the rest of the period is credited.") { v in
            _ = try await Subscriptions.removeAddon(ctx, id.uuidString, itemID: v["item_id"], on: v["on"], preview: false, services: req.services, on: req.db)
        }
    }

    static func giveDiscount(_ req: Request, _ id: UUID) async throws -> Response {
        let ctx = try req.ctx
        return try await SubscriptionPages.change(req, id, form: "discount", done: "Discount given from the next period billed.") { v in
            _ = try await Subscriptions.giveDiscount(ctx, id.uuidString, discountID: v["discount_id"], couponCode: v["coupon_code"],
                                                     services: req.services, on: req.db)
        }
    }

    static func endDiscount(_ req: Request, _ id: UUID) async throws -> Response {
        let ctx = try req.ctx
        return try await SubscriptionPages.change(req, id, form: "discount-end", done: "Discount ended.") { v in
            _ = try await Subscriptions.endDiscount(ctx, id.uuidString, grantID: v["grant_id"], on: v["on"], services: req.services, on: req.db)
        }
    }
}

extension HTML {
    mutating func subscriptionExtras(_ s: Subscription, _ x: SubscriptionExtrasPages.Extras, canWrite: Bool, forms: [String: FormState], csrf: String,
                                     currency: String) {
        let id = s.id!
        let writable = canWrite && s.status != .terminated
        el("div", [.class("panel table-wrap"), .attr("id", literal: "extras")]) { h in
            h.raw("<h2>Add-ons</h2>")
            // A removal that was refused says why above the list (the add form may not show).
            h.formError(forms["addon-remove"]?.problems)
            h.el("table", [.class("data"), .attr("id", literal: "subscription-addons")]) { h in
                h.raw(#"<thead><tr><th>Add-on</th><th>From</th><th>Until</th><th class="num">Per period</th><th></th></tr></thead><tbody>"#)
                if x.addons.isEmpty { h.raw(#"<tr><td colspan="5" class="muted">No recurring add-ons.</td></tr>"#) }
                for a in x.addons {
                    h.raw("<tr><td>")
                    h.text(a.name)
                    h.raw("</td><td>")
                    h.text(a.fromOn)
                    h.raw("</td><td>")
                    h.text(a.toOn ?? "")
                    h.raw(#"</td><td class="num">"#)
                    h.text(Money(minorUnits: a.price, currency: currency).decimalString)
                    h.raw("</td><td>")
                    if writable, a.toOn == nil {
                        h.postForm(BillingRoutes.removeSubscriptionAddon.link(id), csrf: csrf, confirm: "Remove \(a.name)? The rest of this period is credited.") { h in
                            h.void("input", [.type("hidden"), .name("item_id"), .value(a.id!.uuidString)])
                            h.raw(#"<button class="btn small" type="submit">Remove</button>"#)
                        }
                    }
                    h.raw("</td></tr>")
                }
                h.raw("</tbody>")
            }
            if writable, !x.catalogAddons.isEmpty {
                let form = forms["addon"] ?? FormState()
                h.postForm(BillingRoutes.addSubscriptionAddon.link(id), csrf: csrf, class: "form", id: "addon-form") { h in
                    h.raw("<h3>Add an add-on</h3>")
                    h.formError(form.general)
                    h.el("div", [.class("grid")]) { h in
                        let choices = Choice.list(x.catalogAddons.map { ($0.id!, "\($0.name) · \($0.priceMoney) · \($0.kind.title)") },
                                                  selected: form.values["addon_id"], blank: "Choose an add-on")
                        h.selectField("Add-on", "addon_id", choices, form: form, id: "addon_id")
                        h.field("From", "on", form: form, type: "date", id: "addon_on", hint: "Empty: today")
                    }
                    if let quote = x.addonQuote {
                        h.el("div", [.class("quote"), .attr("id", literal: "addon-quote")]) { h in
                            if let q = quote.quote {
                                h.el("p", text: "Period \(q.period.start) – \(q.period.end): \(q.remainingDays) of \(q.periodDays) days remain; \(q.net.decimalString) on the next invoice, then the full price every period.")
                            } else if let once = quote.oneTime {
                                h.el("p", text: "Charged once, \(once.decimalString), on the next invoice.")
                            } else {
                                h.el("p", text: "Billed with the service from its first period.")
                            }
                        }
                        h.raw(#"<div class="form-actions"><button class="btn primary" type="submit" name="preview" value="false">Add it</button> "#)
                        h.raw(#"<button class="btn" type="submit" name="preview" value="true">Preview again</button></div>"#)
                    } else {
                        h.raw(#"<div class="form-actions"><button class="btn" type="submit" name="preview" value="true">Preview</button></div>"#)
                    }
                }
            }
            h.raw("<h2>Discounts</h2>")
            h.formError(forms["discount-end"]?.problems)
            h.el("table", [.class("data"), .attr("id", literal: "subscription-discounts")]) { h in
                h.raw(#"<thead><tr><th>Discount</th><th>Off</th><th>From the period of</th><th>Cycles</th><th>Ended</th><th></th></tr></thead><tbody>"#)
                if x.discounts.isEmpty { h.raw(#"<tr><td colspan="6" class="muted">No discounts.</td></tr>"#) }
                for d in x.discounts {
                    h.raw("<tr><td>")
                    h.text(d.name + (d.couponCode.map { " (\($0))" } ?? ""))
                    h.raw("</td><td>")
                    h.text(DiscountPages.off(percentBasisPoints: d.percentBasisPoints, amount: d.amount, currency: d.currency, target: d.target))
                    h.raw("</td><td>")
                    h.text(d.firstPeriodOn)
                    h.raw("</td><td>")
                    h.text(d.cycles.map(String.init) ?? "for ever")
                    h.raw("</td><td>")
                    h.text(d.endedOn ?? "")
                    h.raw("</td><td>")
                    if writable, d.endedOn == nil {
                        h.postForm(BillingRoutes.endSubscriptionDiscount.link(id), csrf: csrf, confirm: "End \(d.name)? Later periods are billed without it.") { h in
                            h.void("input", [.type("hidden"), .name("grant_id"), .value(d.id!.uuidString)])
                            h.raw(#"<button class="btn small" type="submit">End</button>"#)
                        }
                    }
                    h.raw("</td></tr>")
                }
                h.raw("</tbody>")
            }
            if writable {
                let form = forms["discount"] ?? FormState()
                h.postForm(BillingRoutes.giveSubscriptionDiscount.link(id), csrf: csrf, class: "form", id: "discount-form") { h in
                    h.raw("<h3>Give a discount</h3>")
                    h.formError(form.general)
                    h.el("div", [.class("grid")]) { h in
                        if !x.catalogDiscounts.isEmpty {
                            let choices = Choice.list(x.catalogDiscounts.map { ($0.id!, $0.name) }, selected: form.values["discount_id"],
                                                      blank: "Choose, or type a coupon")
                            h.selectField("Discount", "discount_id", choices, form: form, id: "discount_id")
                        }
                        h.field("Coupon code", "coupon_code", form: form, id: "coupon_code", hint: "Instead of choosing")
                    }
                    h.raw(#"<div class="form-actions"><button class="btn" type="submit">Give</button></div>"#)
                }
            }
        }
    }
}
