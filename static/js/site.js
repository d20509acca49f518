// One mechanism, for every page, so that no htmx request fails silently.
//
// - htmx is configured here: a timeout, and 400/422 answers that carry a fragment with its own
//   message (an element with role="alert") are swapped like a success — htmx 2 swaps no 4xx/5xx by
//   default, so the message the server rendered never showed.
// - Every failure (an error status, no network, a timeout, a swap that broke, a session that
//   ended) puts a message right next to what made the request: after the form, or inside the
//   panel. A successful non-GET request shows a brief "saved" cue there. Each new message replaces
//   the previous one at that place.
// - The texts come translated from <body data-cw-msg-*> (templates/base.html).
//
// Other scripts use the same look through window.cw:
//   cw.feedback(element, "error" | "ok" | "info", text)  → the message element (replaces the previous one)
//   cw.clearFeedback(element)
//   cw.messages                                           → the translated texts, by key
//   cw.failureMessage({verb, status, reason})             → the text site.js would show for a failure
// A script that handles a failure itself calls event.preventDefault() on htmx:responseError,
// htmx:sendError or htmx:timeout (listening on the element or body: site.js listens on document,
// last); an element (or an ancestor) with data-cw-feedback="off" is left alone.
(function () {
  "use strict";

  var TIMEOUT_MS = 30000;          // a request without an answer after this is reported, not left hanging
  var UPLOAD_TIMEOUT_MS = 180000;  // a 10 MB photo on a slow mobile network takes its time
  var OK_CUE_MS = 4000;
  var SWAPPED_ERRORS = /^(400|422)$/;

  var body = document.body;
  var data = body ? body.dataset : {};
  var messages = {
    ok: data.cwMsgOk || "Saved.",
    networkSave: data.cwMsgNetworkSave || "Network connection failed: not saved. Check the connection and try again.",
    networkLoad: data.cwMsgNetworkLoad || "Network connection failed: could not load. Check the connection and try again.",
    timeoutSave: data.cwMsgTimeoutSave || "The server did not answer in time: this may not have been saved. Reload the page to check, then try again.",
    timeoutLoad: data.cwMsgTimeoutLoad || "The server did not answer in time: could not load. Try again.",
    serverSave: data.cwMsgServerSave || "Not saved (server error {status}). Please try again.",
    serverLoad: data.cwMsgServerLoad || "Could not load (server error {status}). Please try again.",
    refusedSave: data.cwMsgRefusedSave || "Not saved: the server refused the request ({status}). Reload the page and try again.",
    refusedLoad: data.cwMsgRefusedLoad || "Could not load: the server refused the request ({status}). Reload the page and try again.",
    forbidden: data.cwMsgForbidden || "Not saved: you are signed out or may not do this ({status}). Reload the page, sign in again and retry.",
    tooLarge: data.cwMsgTooLarge || "Not saved: the file is too large ({status}).",
    tooMany: data.cwMsgTooMany || "Too many requests ({status}): wait a moment and try again.",
    signedOut: data.cwMsgSignedOut || "You are signed out: this was not done. Sign in again, then try again.",
    swap: data.cwMsgSwap || "The page could not be updated. Reload the page to see what was saved."
  };
  var loginUrl = data.cwLoginUrl || "/accounts/login/";

  // --- htmx configuration ------------------------------------------------------------------------

  if (window.htmx) {
    htmx.config.timeout = TIMEOUT_MS;
    htmx.config.responseHandling = [
      { code: "204", swap: false },
      { code: "[23]..", swap: true },
      // The fragment that carries the server's message for the person (checked in htmx:beforeSwap).
      { code: "400|422", swap: true, error: true },
      { code: "[45]..", swap: false, error: true },
      { code: "...", swap: false }
    ];
  }

  // --- the message element -----------------------------------------------------------------------

  // Where a message about `element` goes: after a form or a control, inside a panel or container.
  var CONTAINERS = "section, article, aside, div, fieldset, main, details, dialog, body";

  function placeOf(element) {
    var anchor = element.closest("form") || element.closest("table") || element;
    return anchor;
  }

  function isInline(el) { return !el.matches(CONTAINERS); }

  function existing(anchor) {
    if (isInline(anchor)) {
      var next = anchor.nextElementSibling;
      return next && next.hasAttribute("data-cw-feedback-for") ? next : null;
    }
    for (var i = 0; i < anchor.children.length; i++) {
      if (anchor.children[i].hasAttribute("data-cw-feedback-for")) return anchor.children[i];
    }
    return null;
  }

  function clearFeedback(element) {
    var anchor = element && placeOf(element);
    if (!anchor) return;
    var old = existing(anchor);
    if (old) old.remove();
  }

  function feedback(element, kind, text) {
    var anchor = element && placeOf(element);
    if (!anchor || !anchor.isConnected) return null;
    clearFeedback(anchor);
    var el = document.createElement("p");
    el.className = "feedback " + (kind === "ok" ? "ok" : kind === "info" ? "info" : "error");
    el.setAttribute("role", kind === "error" ? "alert" : "status");
    el.setAttribute("data-cw-feedback-for", "");
    el.textContent = text;
    if (isInline(anchor)) anchor.insertAdjacentElement("afterend", el);
    else anchor.appendChild(el);
    if (kind === "ok") {
      setTimeout(function () { if (el.isConnected) el.remove(); }, OK_CUE_MS);
    } else if (el.scrollIntoView) {
      el.scrollIntoView({ block: "nearest" });
    }
    return el;
  }

  function fill(text, status) { return text.replace("{status}", status); }

  // The text for a failed request: reason is "network", "timeout", "signed-out", "swap" or absent (an error status).
  function failureMessage(opts) {
    var load = (opts.verb || "get").toLowerCase() === "get";
    var status = opts.status;
    switch (opts.reason) {
      case "network": return load ? messages.networkLoad : messages.networkSave;
      case "timeout": return load ? messages.timeoutLoad : messages.timeoutSave;
      case "signed-out": return messages.signedOut;
      case "swap": return messages.swap;
    }
    if (status >= 500) return fill(load ? messages.serverLoad : messages.serverSave, status);
    if (!load && (status === 401 || status === 403)) return fill(messages.forbidden, status);
    if (status === 413) return fill(messages.tooLarge, status);
    if (status === 429) return fill(messages.tooMany, status);
    return fill(load ? messages.refusedLoad : messages.refusedSave, status);
  }

  // --- following htmx's requests -------------------------------------------------------------------

  function config(detail) { return detail.requestConfig || {}; }
  function verbOf(detail) { return config(detail).verb || "get"; }

  // Where the request came from, kept on its XMLHttpRequest (shared by all of the request's events):
  // the answer may replace the element, and the message must still find its place.
  function remember(detail) {
    var elt = config(detail).elt || detail.elt;
    var target = detail.target;
    if (!detail.xhr || !elt) return;
    var verb = verbOf(detail), attr = null, value = null;
    ["hx-" + verb, "data-hx-" + verb].forEach(function (name) {
      if (attr === null && elt.getAttribute && elt.getAttribute(name) !== null) { attr = name; value = elt.getAttribute(name); }
    });
    var anchor = elt.closest ? (elt.closest("form") || elt) : elt;
    var index = -1;
    if (target && target.id && target.contains(anchor) && anchor.matches("form")) {
      index = Array.prototype.indexOf.call(target.querySelectorAll("form"), anchor);
    }
    detail.xhr.cwWhere = { attr: attr, value: value, targetId: target && target.id, index: index };
  }

  // The element that made the request — or, when the answer replaced it, the one that took its place:
  // the element with the same hx-post (hx-get …), else the same form of the new target, else the target.
  function requester(detail) {
    var elt = config(detail).elt || detail.elt;
    if (elt && elt.isConnected) return elt;
    var where = (detail.xhr && detail.xhr.cwWhere) || {};
    if (where.attr) {
      var again = document.querySelector("[" + where.attr + '="' + CSS.escape(where.value) + '"]');
      if (again) return again;
    }
    var target = detail.target && detail.target.isConnected ? detail.target
      : where.targetId ? document.getElementById(where.targetId) : null;
    if (target && where.index >= 0) {
      var form = target.querySelectorAll("form")[where.index];
      if (form) return form;
    }
    return target;
  }

  function leftAlone(event) {
    var elt = config(event.detail).elt || event.detail.elt;
    return event.defaultPrevented || (elt && elt.closest && elt.closest('[data-cw-feedback="off"]'));
  }

  function speaksForItself(xhr) {
    // A fragment that carries its own message for the person (the walk page's panels do).
    var text = (xhr && xhr.responseText) || "";
    return /role=["']?(alert|status)\b/.test(text);
  }

  function isFullDocument(text) { return /^\s*(<!doctype|<html)/i.test(text || ""); }

  // A 400/422 answer htmx swaps: a fragment (not a whole page) that tells the person what was wrong.
  function isMessageFragment(xhr) {
    var text = xhr.responseText || "";
    return SWAPPED_ERRORS.test(String(xhr.status)) && !isFullDocument(text) && /role=["']?alert\b/.test(text);
  }

  function signedOut(detail) {
    // The session ended: the request was redirected to the login page, which must not be swapped in.
    var path = detail.pathInfo && detail.pathInfo.responsePath;
    return !!path && path.indexOf(loginUrl) === 0 && (detail.pathInfo.requestPath || "").indexOf(loginUrl) !== 0;
  }

  // The panel the request updates, when the element that made it is inside it (the walk page's
  // panels, a report's status): earlier messages there are about an earlier attempt.
  function clearPanel(detail, elt) {
    var where = (detail.xhr && detail.xhr.cwWhere) || {};
    var panel = detail.target && detail.target.isConnected ? detail.target
      : where.targetId ? document.getElementById(where.targetId) : null;
    if (!panel || !elt || !panel.contains(elt)) return;
    Array.prototype.forEach.call(panel.querySelectorAll(".feedback"), function (el) { el.remove(); });
  }

  // Scroll the swapped panel's own message into view (when it is not already).
  function reveal(detail, selector) {
    var where = (detail.xhr && detail.xhr.cwWhere) || {};
    var panel = detail.target && detail.target.isConnected ? detail.target
      : where.targetId ? document.getElementById(where.targetId) : null;
    var message = panel && (panel.matches(selector) ? panel : panel.querySelector(selector));
    if (message && message.scrollIntoView) message.scrollIntoView({ block: "nearest" });
  }

  function failed(detail, opts) {
    var elt = requester(detail);
    if (!elt) return;
    clearPanel(detail, elt);
    feedback(elt, "error", failureMessage({ verb: verbOf(detail), status: opts.status, reason: opts.reason }));
  }

  document.addEventListener("htmx:configRequest", function (event) {
    var elt = event.detail.elt;
    if (event.detail.verb !== "get" && elt && elt.querySelector && elt.querySelector("input[type=file]")) {
      event.detail.timeout = Math.max(event.detail.timeout || 0, UPLOAD_TIMEOUT_MS);
    }
  });

  document.addEventListener("htmx:beforeSend", function (event) { remember(event.detail); });

  document.addEventListener("htmx:beforeSwap", function (event) {
    var d = event.detail;
    if (signedOut(d)) {
      d.shouldSwap = false;
      d.isError = true;  // a failure: see htmx:afterRequest below
      return;
    }
    if (d.isError && SWAPPED_ERRORS.test(String(d.xhr.status))) d.shouldSwap = isMessageFragment(d.xhr);
  });

  // An error answer: htmx fires htmx:responseError on the element that made the request, which the
  // swap of a refusal's fragment may have taken out of the page (the event then reaches no listener
  // here). htmx fires htmx:afterRequest again on an ancestor still in the page, so the answer is read
  // there; a script that calls preventDefault() on htmx:responseError still has the last word.
  document.addEventListener("htmx:responseError", function (event) {
    if (leftAlone(event) && event.detail.xhr) event.detail.xhr.cwLeftAlone = true;
  });

  function answered(d) {
    if (signedOut(d)) { failed(d, { reason: "signed-out" }); return; }
    if (isMessageFragment(d.xhr)) {
      // The swapped fragment shows the server's message; ours would only repeat it. It may sit at
      // the top of a long panel, above the button the person pressed on a phone: bring it into view.
      var elt = requester(d);
      if (elt) clearFeedback(elt);
      reveal(d, "[role=alert]");
      return;
    }
    failed(d, { status: d.xhr.status });
  }

  document.addEventListener("htmx:sendError", function (event) {
    if (!leftAlone(event)) failed(event.detail, { reason: "network" });
  });

  document.addEventListener("htmx:timeout", function (event) {
    if (!leftAlone(event)) failed(event.detail, { reason: "timeout" });
  });

  ["htmx:swapError", "htmx:onLoadError"].forEach(function (name) {
    document.addEventListener(name, function (event) {
      if (!leftAlone(event)) failed(event.detail, { reason: "swap" });
    });
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var d = event.detail;
    if (!d.xhr || d.xhr.cwLeftAlone || leftAlone(event)) return;
    if (d.failed === true) { answered(d); return; }
    if (d.successful !== true) return;  // no answer: htmx:sendError, htmx:timeout
    var elt = requester(d);
    if (!elt) return;
    if (verbOf(d) === "get") {
      clearFeedback(elt);
    } else if (speaksForItself(d.xhr)) {
      clearFeedback(elt);
      reveal(d, "[role=status], [role=alert]");
    } else {
      clearPanel(d, elt);
      feedback(elt, "ok", messages.ok);
    }
  });

  window.cw = window.cw || {};
  window.cw.feedback = feedback;
  window.cw.clearFeedback = clearFeedback;
  window.cw.messages = messages;
  window.cw.failureMessage = failureMessage;
})();
