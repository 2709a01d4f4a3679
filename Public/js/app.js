// Meghna — small progressive enhancements. Vanilla JS, no dependencies.
// Loaded with <script src="/js/app.js" defer>; CSP-safe (no inline code, no eval).
(function () {
  "use strict";

  // (1) form[data-confirm] or its submit button[data-confirm]: ask before submitting, cancel if declined.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    var button = event.submitter instanceof HTMLElement && event.submitter.hasAttribute("data-confirm") ? event.submitter : null;
    var question = button ? button.dataset.confirm : form.dataset.confirm;
    if (!question) return;
    if (!window.confirm(question)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  // (2) select[data-autosubmit]: submit the owning form on change.
  document.addEventListener("change", function (event) {
    var select = event.target;
    if (!(select instanceof HTMLSelectElement) || !select.hasAttribute("data-autosubmit")) return;
    var form = select.form;
    if (!form) return;
    if (typeof form.requestSubmit === "function") {
      form.requestSubmit(); // fires submit event, so data-confirm still applies
    } else if (!form.hasAttribute("data-confirm") || window.confirm(form.dataset.confirm)) {
      form.submit();
    }
  });

  // (3) button[data-copy]: copy the text of the element with that id.
  function fallbackCopy(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed"; // CSSOM property, not an inline style attribute
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    document.body.removeChild(area);
    return ok ? Promise.resolve() : Promise.reject(new Error("copy failed"));
  }

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).catch(function () { return fallbackCopy(text); });
    }
    return fallbackCopy(text);
  }

  document.addEventListener("click", function (event) {
    var button = event.target instanceof Element ? event.target.closest("button[data-copy]") : null;
    if (!button) return;
    event.preventDefault();
    var source = document.getElementById(button.dataset.copy);
    if (!source) return;
    var text = ("value" in source && typeof source.value === "string") ? source.value : source.textContent;
    copyText(text.trim()).then(function () {
      if (!button.dataset.label) button.dataset.label = button.textContent;
      button.textContent = "Copied";
      clearTimeout(button._copyTimer);
      button._copyTimer = setTimeout(function () {
        button.textContent = button.dataset.label;
        delete button.dataset.label;
      }, 2000);
    }, function () { /* leave label unchanged if copying is not possible */ });
  });

  // (4) .nav-toggle: open/close the navigation on phones.
  document.addEventListener("click", function (event) {
    var toggle = event.target instanceof Element ? event.target.closest(".nav-toggle") : null;
    if (!toggle) return;
    var nav = document.querySelector(".nav");
    if (!nav) return;
    var open = nav.classList.toggle("open");
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
  });

  // (5) button[data-print]: print the page (a welcome letter; the print style hides the rest).
  document.addEventListener("click", function (event) {
    var button = event.target instanceof Element ? event.target.closest("[data-print]") : null;
    if (button) window.print();
  });

  // (6) [data-poll]: fetch the JSON state ({state, summary}) every two seconds and show it, until
  // the state is settled (synced, failed, drift).
  document.querySelectorAll("[data-poll]").forEach(function (el) {
    var url = el.getAttribute("data-poll");
    function tick() {
      fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } }).then(function (r) {
        return r.ok ? r.json() : null;
      }).then(function (s) {
        if (!s) return;
        var badge = document.createElement("span");
        badge.className = "badge " + s.state;
        badge.textContent = s.state;
        el.replaceChildren(badge, document.createTextNode(" " + s.summary));
        if (["synced", "failed", "drift"].indexOf(s.state) < 0) setTimeout(tick, 2000);
      }, function () { setTimeout(tick, 4000); });
    }
    tick();
  });
})();
