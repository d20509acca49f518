// The walk page (templates/inspections/detail.html), offline-first: a head at a service window logs
// what happens on a phone whose connection comes and goes.
//
// - The running clock: time since the walkthrough started, updated every second.
// - The outbox. Every form the head uses while walking carries data-outbox="<panel id>". On submit
//   the form is read (the pressed button's name and value too; files as Blobs, a large photo made
//   smaller first), stamped with the phone's time (device_at) and a new Idempotency-Key, and kept in
//   IndexedDB, per walkthrough and person. It shows at once as waiting (#outbox, #outbox-count) and
//   is sent in the order it was made, with fetch: a 2xx answer is the refreshed panel, swapped into
//   the page; a refusal (400/403/409/413/422…) stays in the list with its reason and buttons to
//   discard it or to change it and send again, and the items after it still go; no connection, a
//   timeout, a 5xx or a 429 stop the sending until the next try (on "online", on load, every 15 s).
//   The queue survives reloads and a browser closed offline. Two tabs take turns through a Web Lock
//   (navigator.locks), so one item is sent by one tab at a time; the key makes a repeat harmless anyway
//   (core/idempotency.py: the server does a key once and answers a repeat with the current panel).
// - Photos: larger than ~1.5 MB or longer than 2560 px, they are redrawn on the phone (long side
//   2560 px, JPEG 0.85, EXIF rotation applied), so a 13 MB photo from the camera uploads.
// - The signature pad of the completion form: drawn with a finger, sent as a PNG data URL.
// - The service worker (static/js/sw.js, served at /sw.js) keeps the page and its files for offline use.
//
// Without JavaScript, or without IndexedDB, the forms post as they are and the server redirects back.
// Messages next to a form go through window.cw.feedback (static/js/site.js) when it is there.
(function () {
  "use strict";

  // --- the running clock ------------------------------------------------------------------------

  (function clock() {
    var el = document.getElementById("clock");
    if (!el || !el.dataset.startedAt) return;
    var started = new Date(el.dataset.startedAt).getTime();
    function pad(n) { return (n < 10 ? "0" : "") + n; }
    function tick() {
      var s = Math.max(0, Math.floor((Date.now() - started) / 1000));
      var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
      el.textContent = (h ? h + ":" + pad(m) : pad(m)) + ":" + pad(s % 60);
    }
    tick();
    setInterval(tick, 1000);
  })();

  var walk = document.getElementById("walk");
  if (!walk) return;

  var SCOPE = (walk.dataset.walkthrough || "") + ":" + (walk.dataset.user || "");
  var RETRY_MS = 15000;
  var TIMEOUT_MS = 30000;            // an answer that does not come is a lost connection: try again later
  var UPLOAD_TIMEOUT_MS = 180000;    // a photo on a slow mobile network takes its time
  var PRESSED_MS = 800;              // a pressed button rests this long: a double tap logs once
  var SENT_CUE_MS = 4000;
  var PHOTO_SCALE_ABOVE = 1.5 * 1024 * 1024;
  var PHOTO_MAX_SIDE = 2560;
  var PHOTO_QUALITY = 0.85;

  var textsEl = document.getElementById("outbox-texts");
  var T = textsEl ? textsEl.dataset : {};
  // The server's cap (EVIDENCE_MAX_BYTES, 10 MB by default); the server checks anyway.
  var MAX_BYTES = Number(T.maxBytes) || 10 * 1024 * 1024;
  var texts = {
    pending: T.pending || "waiting to be sent",
    count: T.count || "%(count)s waiting to be sent",
    offline: T.offline || "No connection: what you log is kept on this phone and sent when the connection returns.",
    rejected: T.rejected || "Refused",
    discard: T.discard || "Discard",
    retry: T.retry || "Send again",
    fix: T.fix || "Change and send again",
    sent: T.sent || "All sent.",
    photoTooBig: T.photoTooBig || "This photo could not be made smaller on the phone; choose a smaller one."
  };

  function cw() { return window.cw || {}; }

  // A message next to a form: site.js's look when it is there, a plain paragraph otherwise.
  function feedback(element, kind, message) {
    if (cw().feedback) return cw().feedback(element, kind, message);
    var anchor = element.closest("form") || element;
    var next = anchor.nextElementSibling;
    if (next && next.hasAttribute("data-walk-feedback")) next.remove();
    var p = document.createElement("p");
    p.className = "feedback " + kind;
    p.setAttribute("role", kind === "error" ? "alert" : "status");
    p.setAttribute("data-walk-feedback", "");
    p.textContent = message;
    anchor.insertAdjacentElement("afterend", p);
    return p;
  }

  // The text for a refused or failed request (site.js's wording when it is there).
  function failureText(opts) {
    if (cw().failureMessage) return cw().failureMessage({ verb: "post", status: opts.status, reason: opts.reason });
    if (opts.reason === "network") return texts.offline;
    return texts.rejected + " (" + opts.status + ")";
  }

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function hhmm(iso) {
    var d = new Date(iso);
    return isNaN(d) ? "" : (d.getHours() < 10 ? "0" : "") + d.getHours() + ":" + (d.getMinutes() < 10 ? "0" : "") + d.getMinutes();
  }

  function size(bytes) {
    return bytes >= 1048576 ? (bytes / 1048576).toFixed(1) + " MB" : Math.max(1, Math.round(bytes / 1024)) + " KB";
  }

  // --- the store: IndexedDB, one object store, items in the order they were made ----------------

  var DB_NAME = "cw-walk", STORE = "outbox";
  var dbPromise = null;

  function db() {
    if (!dbPromise) {
      dbPromise = new Promise(function (resolve, reject) {
        var req = indexedDB.open(DB_NAME, 1);
        req.onupgradeneeded = function () {
          req.result.createObjectStore(STORE, { keyPath: "id", autoIncrement: true }).createIndex("scope", "scope");
        };
        req.onsuccess = function () {
          var d = req.result;
          d.onversionchange = function () { d.close(); dbPromise = null; };
          resolve(d);
        };
        req.onerror = function () { reject(req.error); };
      });
      dbPromise.catch(function () { dbPromise = null; });
    }
    return dbPromise;
  }

  // One transaction; resolves with the request's result once the transaction has committed.
  function tx(mode, work) {
    return db().then(function (d) {
      return new Promise(function (resolve, reject) {
        var t = d.transaction(STORE, mode);
        var req = work(t.objectStore(STORE));
        var result;
        if (req) req.onsuccess = function () { result = req.result; };
        t.oncomplete = function () { resolve(result); };
        t.onerror = t.onabort = function () { reject(t.error || (req && req.error) || new Error("IndexedDB")); };
      });
    });
  }

  function allItems() {
    return tx("readonly", function (s) { return s.index("scope").getAll(IDBKeyRange.only(SCOPE)); })
      .then(function (list) { return (list || []).sort(function (a, b) { return a.id - b.id; }); });
  }
  function addItem(item) { return tx("readwrite", function (s) { return s.add(item); }); }
  function putItem(item) { return tx("readwrite", function (s) { return s.put(item); }); }
  function getItem(id) { return tx("readonly", function (s) { return s.get(id); }); }
  function deleteItem(id) { return tx("readwrite", function (s) { return s.delete(id); }); }

  // Other tabs of the same walk page: they redraw the list and take the refreshed panels.
  var channel = null;
  try { channel = new BroadcastChannel("cw-outbox:" + SCOPE); } catch (e) { channel = null; }
  function broadcast(message) { if (channel) channel.postMessage(message); }
  if (channel) {
    channel.onmessage = function (event) {
      var m = event.data || {};
      if (m.type === "swap" && m.html) swapPanel(m.html);
      render();
    };
  }

  // --- reading a form --------------------------------------------------------------------------

  function readForm(form, submitter) {
    var data;
    try {
      data = new FormData(form, submitter || undefined);
    } catch (e) {  // browsers without FormData(form, submitter)
      data = new FormData(form);
      if (submitter && submitter.name) data.append(submitter.name, submitter.value);
    }
    var fields = [];
    data.forEach(function (value, name) {
      // The CSRF token goes in the header at sending time: the page's current one, not a stale copy.
      if (name === "csrfmiddlewaretoken") return;
      if (value instanceof Blob && !value.size && !value.name) return;  // an empty file input
      fields.push([name, value]);
    });
    return fields;
  }

  function textOf(el) { return el ? el.textContent.replace(/\s+/g, " ").trim() : ""; }

  // What the head sees in the list for an item: where, which button, the note or the file.
  function describe(form, submitter, fields) {
    var parts = [];
    var question = form.closest(".question");
    var event = form.closest("li[id^='event-']");
    if (question) parts.push(textOf(question.querySelector(".qtext")));
    else if (event) parts.push(textOf(event.querySelector("time")) + " " + textOf(event.querySelector("b")));
    var panel = form.closest("section.panel");
    if (!question && !event && panel && !form.classList.contains("taps")) parts.push(textOf(panel.querySelector("h2")));
    if (submitter && !form.classList.contains("photo-form")) parts.push(textOf(submitter));
    fields.forEach(function (f) {
      var name = f[0], value = f[1];
      if ((name === "note" || name === "reason") && typeof value === "string" && value.trim()) parts.push(value.trim());
    });
    if (form.classList.contains("observed-form")) {
      form.querySelectorAll("input[type=number]").forEach(function (input) {
        if (input.value !== "") parts.push(textOf(input.closest("label")) + " " + input.value);
      });
    }
    return parts.filter(Boolean).join(" · ");
  }

  // The hidden fields that tell one form from another with the same action (a photo of event 7).
  function identity(form) {
    var out = {};
    form.querySelectorAll("input[type=hidden]").forEach(function (input) {
      if (input.name && input.name !== "csrfmiddlewaretoken") out[input.name] = input.value;
    });
    return out;
  }

  function pathOf(url) {
    try { return new URL(url, location.href).pathname; } catch (e) { return url; }
  }

  // --- photos: smaller on the phone ------------------------------------------------------------

  function tooBig() { var e = new Error("too big"); e.tooBig = true; return e; }

  function decode(file) {
    if (window.createImageBitmap) {
      return createImageBitmap(file, { imageOrientation: "from-image" })
        .catch(function (e) {
          if (e && e.name === "TypeError") return createImageBitmap(file);  // an older enum: EXIF is applied by default
          throw e;
        });
    }
    // An <img> decode (EXIF applied by the browser); a data: URL, which the CSP allows for images.
    return new Promise(function (resolve, reject) {
      var reader = new FileReader();
      reader.onload = function () {
        var img = new Image();
        img.onload = function () { resolve(img); };
        img.onerror = reject;
        img.src = reader.result;
      };
      reader.onerror = reject;
      reader.readAsDataURL(file);
    });
  }

  function encode(image, width, height) {
    return new Promise(function (resolve) {
      var canvas = document.createElement("canvas");
      canvas.width = width;
      canvas.height = height;
      var ctx = canvas.getContext("2d");
      ctx.fillStyle = "#fff";  // a transparent PNG would turn black in a JPEG
      ctx.fillRect(0, 0, width, height);
      ctx.imageSmoothingQuality = "high";
      ctx.drawImage(image, 0, 0, width, height);
      canvas.toBlob(function (blob) { resolve(blob); }, "image/jpeg", PHOTO_QUALITY);
    });
  }

  // The file to send: a large photo redrawn smaller, anything else as it is. Throws tooBig when
  // neither the file nor a smaller copy can be sent.
  function preparePhoto(file) {
    var isPdf = file.type === "application/pdf" || /\.pdf$/i.test(file.name || "");
    if (isPdf) return file.size > MAX_BYTES ? Promise.reject(tooBig()) : Promise.resolve(file);
    var image = null;
    return decode(file).then(function (decoded) {
      image = decoded;
      var w = image.width, h = image.height, longSide = Math.max(w, h);
      if (file.size <= PHOTO_SCALE_ABOVE && longSide <= PHOTO_MAX_SIDE) return file;  // the phone's own bytes, EXIF kept
      var ratio = Math.min(1, PHOTO_MAX_SIDE / longSide);
      return encode(image, Math.max(1, Math.round(w * ratio)), Math.max(1, Math.round(h * ratio))).then(function (blob) {
        if (!blob) throw new Error("encode");
        if (ratio === 1 && blob.size >= file.size && file.size <= MAX_BYTES) return file;
        if (blob.size > MAX_BYTES) throw tooBig();
        var name = (file.name || "photo").replace(/\.[^.]*$/, "") + ".jpg";
        return new File([blob], name, { type: "image/jpeg", lastModified: file.lastModified || Date.now() });
      });
    }, function () {
      // Not a picture this browser reads (a HEIC on Chromium, a document): the server decides.
      return null;
    }).then(function (result) {
      if (image && image.close) image.close();
      if (result) return result;
      if (file.size > MAX_BYTES) throw tooBig();
      return file;
    }, function (error) {
      if (image && image.close) image.close();
      if (error && error.tooBig) throw error;
      if (file.size > MAX_BYTES) throw tooBig();
      return file;  // could not be redrawn but may be sent as it is
    });
  }

  function prepareFiles(fields) {
    return Promise.all(fields.map(function (f) {
      return f[1] instanceof Blob ? preparePhoto(f[1]).then(function (file) { return [f[0], file]; }) : f;
    }));
  }

  // --- queueing a submitted form -----------------------------------------------------------------

  function rest(button) {
    if (!button) return;
    button.disabled = true;
    setTimeout(function () { button.disabled = false; }, PRESSED_MS);
  }

  // What the head sees at once, before the server answers. The form is emptied for the next entry,
  // except the figures and the checklist notes, which stay as typed.
  function afterQueued(form, submitter) {
    var keep = form.classList.contains("observed-form") || (form.closest(".question") && !form.classList.contains("photo-form"));
    if (!keep) form.reset();
    if (submitter && submitter.name === "answer") {
      form.querySelectorAll("button[name=answer]").forEach(function (b) {
        var chosen = b === submitter;
        b.classList.toggle("chosen", chosen);
        b.classList.toggle("queued", chosen);
        b.setAttribute("aria-pressed", chosen ? "true" : "false");
      });
    }
    var details = form.closest("details.correct");
    if (details && !form.classList.contains("photo-form")) details.open = false;
  }

  // Items are stored one after the other, in the order of the taps, even when a photo takes a
  // moment to be made smaller: the store's ids are the sending order.
  var storing = Promise.resolve();

  function queue(form, submitter) {
    // Read now: what was on the form at the tap, at the time of the tap.
    var fields = readForm(form, submitter);
    var token = form.querySelector("input[name=csrfmiddlewaretoken]");
    var item = {
      scope: SCOPE,
      key: uuid(),
      action: pathOf(form.getAttribute("action") || location.pathname),
      panel: form.getAttribute("data-outbox"),
      identity: identity(form),
      submitter: submitter && submitter.name ? [submitter.name, submitter.value] : null,
      deviceAt: new Date().toISOString(),
      csrf: token ? token.value : "",
      label: "",
      state: "pending"
    };
    rest(submitter);
    var label = describe(form, submitter, fields);
    storing = storing.catch(function () {}).then(function () {
      return prepareFiles(fields).then(function (prepared) {
        item.fields = prepared.concat([["device_at", item.deviceAt]]);
        item.label = [label].concat(prepared.filter(function (f) { return f[1] instanceof Blob; }).map(function (f) {
          return (f[1].name || "") + "（" + size(f[1].size) + "）";
        })).filter(Boolean).join(" · ");
        return addItem(item);
      }).then(function () {
        afterQueued(form, submitter);
        if (cw().clearFeedback) cw().clearFeedback(form);
        broadcast({ type: "changed" });
        render();
        flush();
      }, function (error) {
        if (error && error.tooBig) {
          feedback(form, "error", texts.photoTooBig);
          return;
        }
        // The phone could not keep it (storage full or refused): post the form as it is.
        form.setAttribute("data-outbox-direct", "");
        if (submitter) submitter.disabled = false;
        if (form.requestSubmit && (!submitter || submitter.form === form)) form.requestSubmit(submitter || undefined);
        else form.submit();
      });
    });
    return storing;
  }

  var outboxUsable = !!window.indexedDB && !!window.fetch && !!window.Promise;

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented || !outboxUsable || !(form instanceof HTMLFormElement)) return;
    if (!form.hasAttribute("data-outbox") || form.hasAttribute("data-outbox-direct")) return;
    event.preventDefault();
    queue(form, event.submitter || null);
  });

  // Enter in a note must not log the first button's step (咨询) or answer (正常): in the tap form
  // it logs the note (if there is one), in a checklist answer it does nothing.
  document.addEventListener("keydown", function (event) {
    var input = event.target;
    if (event.key !== "Enter" || event.isComposing || !(input instanceof HTMLInputElement) || input.type !== "text") return;
    var form = input.form;
    if (!form || !form.hasAttribute("data-outbox")) return;
    if (form.classList.contains("taps")) {
      event.preventDefault();
      var note = form.querySelector("button[name=kind][value=note]");
      if (note && !note.disabled && input.value.trim()) note.click();
    } else if (form.querySelectorAll("button[type=submit][name]").length > 1) {
      event.preventDefault();
    }
  });

  // --- sending ----------------------------------------------------------------------------------

  var again = false, sendingId = null;
  var stall = null;  // why sending stopped: {reason: "network"|"server"|"signed-out", status}

  function csrfToken(item) {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return (input && input.value) || item.csrf || "";
  }

  function reasonFrom(html) {
    var tpl = document.createElement("template");
    tpl.innerHTML = html || "";
    var el = tpl.content.querySelector(".error[role=alert], p.error, .errorlist, [role=alert]");
    return textOf(el);
  }

  function isDocument(html) { return /^\s*(<!doctype|<html)/i.test(html || ""); }

  // One item: "sent", "rejected" or "stalled".
  function send(item) {
    var body = new FormData();
    var hasFile = false;
    item.fields.forEach(function (f) {
      if (f[1] instanceof Blob) { hasFile = true; body.append(f[0], f[1], f[1].name || "photo.jpg"); }
      else body.append(f[0], f[1]);
    });
    var headers = { "HX-Request": "true", "Idempotency-Key": item.key };
    var token = csrfToken(item);
    if (token) headers["X-CSRFToken"] = token;
    var controller = window.AbortController ? new AbortController() : null;
    var timer = controller ? setTimeout(function () { controller.abort(); }, hasFile ? UPLOAD_TIMEOUT_MS : TIMEOUT_MS) : null;
    return fetch(item.action, {
      method: "POST", body: body, headers: headers, credentials: "same-origin", redirect: "manual",
      cache: "no-store", signal: controller ? controller.signal : undefined
    }).then(function (response) {
      return response.text().then(function (html) { return { response: response, html: html }; });
    }).then(function (answer) {
      clearTimeout(timer);
      var response = answer.response, html = answer.html, status = response.status;
      if (response.type === "opaqueredirect" || (status >= 300 && status < 400)) {
        // A redirect answers only a request that is not signed in any more: keep it for later.
        stall = { reason: "signed-out" };
        return "stalled";
      }
      if (response.ok) {
        return deleteItem(item.id).then(function () {
          stall = null;
          if (swapPanel(html, item.panel)) broadcast({ type: "swap", html: html });
          return "sent";
        });
      }
      if (status >= 500 || status === 408 || status === 429) {
        stall = { reason: "server", status: status };
        return "stalled";
      }
      // Refused: kept with the reason; the panel the server sent shows it too.
      item.state = "rejected";
      item.status = status;
      item.reason = (!isDocument(html) && reasonFrom(html)) || failureText({ status: status });
      if (!isDocument(html)) swapPanel(html, item.panel);
      return putItem(item).then(function () { return "rejected"; });
    }, function () {
      clearTimeout(timer);
      stall = { reason: "network" };
      return "stalled";
    });
  }

  function withLock(work) {
    if (navigator.locks && navigator.locks.request) {
      return navigator.locks.request("cw-outbox:" + SCOPE, function () { return work(); });
    }
    return work();
  }

  // Send what waits, in order, until the queue is empty or sending stalls.
  function flushPass() {
    var sentAny = false;
    function next() {
      return allItems().then(function (list) {
        var item = list.filter(function (i) { return i.state === "pending"; })[0];
        if (!item) return "done";
        sendingId = item.id;
        render(list);
        return send(item).then(function (outcome) {
          sendingId = null;
          if (outcome === "sent") sentAny = true;
          broadcast({ type: "changed" });
          render();
          return outcome === "stalled" ? "stalled" : next();
        });
      });
    }
    return next().then(function (result) {
      if (sentAny) refreshOfflineCopy();
      return result;
    });
  }

  // One sending run at a time in this tab; a call during a run makes the run look once more, and
  // gets the run's promise (it settles when what waits has been sent or sending stalled).
  var running = null;
  function flush() {
    if (!outboxUsable) return Promise.resolve();
    if (running) { again = true; return running; }
    running = withLock(function () {
      function pass() {
        again = false;
        return flushPass().then(function (result) {
          if (again && result !== "stalled") return pass();
          return result;
        });
      }
      return pass();
    }).catch(function () { /* IndexedDB refused: the next try will tell */ }).then(function () {
      running = null;
      sendingId = null;
      render();
    });
    return running;
  }

  // --- swapping a panel ----------------------------------------------------------------------------

  function fieldKey(el) {
    var form = el.form || el.closest("form");
    var where = form ? pathOf(form.getAttribute("action") || "") + JSON.stringify(identity(form)) : "";
    return where + "|" + el.name;
  }

  function changed(el) {
    if (el.tagName === "SELECT") {
      return Array.prototype.some.call(el.options, function (o) { return o.selected !== o.defaultSelected; });
    }
    if (el.type === "checkbox" || el.type === "radio") return false;
    return el.value !== el.defaultValue;
  }

  // What the head is in the middle of (typing, an open correction) survives a panel refresh.
  function keepState(panel) {
    var state = { values: {}, open: {}, focus: null };
    panel.querySelectorAll("input, textarea, select").forEach(function (el) {
      if (!el.name || el.type === "hidden" || el.type === "file" || el.type === "submit") return;
      if (changed(el)) state.values[fieldKey(el)] = el.value;
    });
    panel.querySelectorAll("details[open]").forEach(function (d) {
      var owner = d.parentElement && d.parentElement.closest("[id]");
      if (owner) state.open[owner.id] = true;
    });
    var active = document.activeElement;
    if (active && panel.contains(active) && active.name) state.focus = fieldKey(active);
    return state;
  }

  function restoreState(panel, state) {
    panel.querySelectorAll("input, textarea, select").forEach(function (el) {
      if (!el.name) return;
      var key = fieldKey(el);
      if (Object.prototype.hasOwnProperty.call(state.values, key)) el.value = state.values[key];
      if (state.focus === key) el.focus({ preventScroll: true });
    });
    panel.querySelectorAll("details").forEach(function (d) {
      var owner = d.parentElement && d.parentElement.closest("[id]");
      if (owner && state.open[owner.id]) d.open = true;
    });
  }

  function swapPanel(html, fallbackId) {
    if (!html || isDocument(html)) return false;
    var tpl = document.createElement("template");
    tpl.innerHTML = html;
    var fresh = tpl.content.querySelector("section.panel[id]") || (fallbackId && tpl.content.getElementById(fallbackId));
    if (!fresh) return false;
    var old = document.getElementById(fresh.id);
    if (!old) return false;
    var state = keepState(old);
    old.replaceWith(fresh);
    restoreState(fresh, state);
    if (window.htmx && htmx.process) htmx.process(fresh);
    if (fresh.id === "timeline") render();
    return true;
  }

  // --- showing the queue -------------------------------------------------------------------------

  var hadItems = false, sentTimer = null;

  function el(tag, className, text) {
    var e = document.createElement(tag);
    if (className) e.className = className;
    if (text) e.textContent = text;
    return e;
  }

  function button(label, className, onClick) {
    var b = el("button", "secondary small " + className, label);
    b.type = "button";
    b.addEventListener("click", onClick);
    return b;
  }

  function statusLine(section) {
    var p = section.querySelector(".outbox-status");
    if (!p) {
      p = el("p", "outbox-status");
      p.setAttribute("role", "status");
      section.querySelector("h2").insertAdjacentElement("afterend", p);
    }
    return p;
  }

  // The line in the walk bar that says the phone is offline: the bar stays at the top, where the
  // head is looking.
  function offlineLine(show, message) {
    var line = document.getElementById("walk-offline");
    if (!show) { if (line) line.remove(); return; }
    if (!line) {
      line = el("p", "feedback info walk-offline");
      line.id = "walk-offline";
      line.setAttribute("role", "status");
      walk.appendChild(line);
    }
    line.textContent = message;
  }

  // Taps that wait show in the timeline too, greyed and marked, after what the server has.
  function renderPendingTaps(list) {
    var ol = document.querySelector("#timeline ol.timeline");
    if (!ol) return;
    ol.querySelectorAll("li.outbox-pending").forEach(function (li) { li.remove(); });
    var taps = list.filter(function (i) { return /\/events\/$/.test(i.action); });
    var empty = ol.querySelector("li.muted:not([id])");
    if (empty) empty.hidden = taps.length > 0;
    taps.forEach(function (item) {
      var li = el("li", "outbox-pending " + item.state);
      li.appendChild(el("time", "", hhmm(item.deviceAt))).setAttribute("datetime", item.deviceAt);
      li.appendChild(document.createTextNode(" "));
      li.appendChild(el("span", "outbox-what", item.label));
      li.appendChild(el("span", "tag outbox-state", item.state === "rejected" ? texts.rejected : texts.pending));
      ol.appendChild(li);
    });
  }

  function stallText() {
    if (!stall) return "";
    if (stall.reason === "network") return texts.offline;
    if (stall.reason === "signed-out") return failureText({ reason: "signed-out" });
    return failureText({ status: stall.status });
  }

  function renderList(list) {
    var section = document.getElementById("outbox");
    var count = document.getElementById("outbox-count");
    var offline = navigator.onLine === false || (stall && stall.reason === "network");
    offlineLine(offline, texts.offline);
    if (count) {
      var rejected = list.some(function (i) { return i.state === "rejected"; });
      if (list.length) {
        clearTimeout(sentTimer);
        count.hidden = false;
        count.textContent = texts.count.replace("%(count)s", list.length);
        count.className = "outbox-count" + (rejected ? " has-rejected" : "");
      } else if (hadItems) {
        count.hidden = false;
        count.textContent = texts.sent;
        count.className = "outbox-count sent";
        clearTimeout(sentTimer);
        sentTimer = setTimeout(function () { count.hidden = true; count.textContent = ""; }, SENT_CUE_MS);
      } else if (!count.classList.contains("sent")) {
        count.hidden = true;
      }
    }
    hadItems = list.length > 0;
    renderPendingTaps(list);
    if (!section) return;
    section.hidden = !list.length;
    var status = statusLine(section);
    // (no connection is said in the walk bar)
    var why = stall && stall.reason !== "network" && list.some(function (i) { return i.state === "pending"; }) ? stallText() : "";
    status.textContent = why;
    status.hidden = !why;
    status.className = "outbox-status feedback error";
    var ol = section.querySelector(".outbox-items");
    if (!ol) return;
    ol.textContent = "";
    list.forEach(function (item) {
      var li = el("li", "outbox-item " + item.state + (item.id === sendingId ? " sending" : ""));
      li.setAttribute("data-id", item.id);
      var head = el("div", "outbox-head");
      head.appendChild(el("time", "outbox-time", hhmm(item.deviceAt))).setAttribute("datetime", item.deviceAt);
      head.appendChild(el("span", "outbox-what", item.label || item.action));
      head.appendChild(el("span", "outbox-state", item.state === "rejected" ? texts.rejected : texts.pending));
      li.appendChild(head);
      if (item.state === "rejected") {
        var reason = el("p", "outbox-reason", item.reason || texts.rejected);
        reason.setAttribute("role", "alert");
        li.appendChild(reason);
        var row = el("div", "row outbox-actions");
        if (formFor(item)) row.appendChild(button(texts.fix, "outbox-fix", function () { fix(item.id); }));
        if (item.status !== 400 && item.status !== 422) row.appendChild(button(texts.retry, "outbox-retry", function () { retry(item.id); }));
        row.appendChild(button(texts.discard, "danger outbox-discard", function () { discard(item.id); }));
        li.appendChild(row);
      }
      ol.appendChild(li);
    });
  }

  // Redraw from the store; calls during a redraw make one more.
  var rendering = null, rerender = false;
  function render(list) {
    if (list) { renderList(list); return Promise.resolve(); }
    if (!outboxUsable) return Promise.resolve();
    if (rendering) { rerender = true; return rendering; }
    rendering = allItems().then(renderList, function () {}).then(function () {
      rendering = null;
      if (rerender) { rerender = false; return render(); }
    });
    return rendering;
  }

  // --- discard, send again, change and send again --------------------------------------------------

  function formFor(item) {
    var forms = document.querySelectorAll("form[data-outbox]");
    for (var i = 0; i < forms.length; i++) {
      var form = forms[i];
      if (pathOf(form.getAttribute("action") || "") !== item.action) continue;
      var id = identity(form), same = true;
      Object.keys(item.identity || {}).forEach(function (k) { if (id[k] !== item.identity[k]) same = false; });
      if (same) return form;
    }
    return null;
  }

  function discard(id) {
    deleteItem(id).then(function () { broadcast({ type: "changed" }); render(); });
  }

  function retry(id) {
    getItem(id).then(function (item) {
      if (!item) return;
      item.state = "pending";
      delete item.reason;
      delete item.status;
      return putItem(item);
    }).then(function () { broadcast({ type: "changed" }); render(); flush(); });
  }

  // Put the item's values back into its form and take it out of the queue; the head changes what
  // was refused and presses the button again (a new item, a new key).
  function fix(id) {
    getItem(id).then(function (item) {
      if (!item) return;
      var form = formFor(item);
      if (!form) return;
      var skip = item.submitter ? item.submitter[0] : null;
      item.fields.forEach(function (f) {
        var name = f[0], value = f[1];
        if (name === "device_at" || name === skip) return;
        var input = form.querySelector("[name='" + CSS.escape(name) + "']");
        if (!input || input.type === "hidden" || input.tagName === "BUTTON") return;
        if (input.type === "file") {
          if (value instanceof Blob && window.DataTransfer) {
            try {
              var dt = new DataTransfer();
              dt.items.add(value instanceof File ? value : new File([value], "photo.jpg", { type: value.type }));
              input.files = dt.files;
            } catch (e) { /* the head picks the file again */ }
          }
          return;
        }
        input.value = value;
      });
      var details = form.closest("details");
      if (details) details.open = true;
      return deleteItem(id).then(function () {
        broadcast({ type: "changed" });
        render();
        feedback(form, "error", item.reason || texts.rejected);
        form.scrollIntoView({ block: "center" });
        var first = form.querySelector("input:not([type=hidden]):not([type=file]), textarea");
        if (first) first.focus({ preventScroll: true });
      });
    });
  }

  // --- completing: only once everything logged has arrived ------------------------------------------

  var complete = document.querySelector("form.complete-form");
  if (complete) {
    var pad = signaturePad(complete);
    complete.addEventListener("submit", function (event) {
      if (pad) pad.fill();
      if (!outboxUsable || complete.hasAttribute("data-outbox-direct")) return;
      event.preventDefault();
      var submitButton = event.submitter || complete.querySelector("button[type=submit]");
      if (submitButton) submitButton.disabled = true;
      function go() { complete.setAttribute("data-outbox-direct", ""); complete.submit(); }
      function stop(kind, message) {
        if (submitButton) submitButton.disabled = false;
        feedback(complete, kind, message);
        var section = document.getElementById("outbox");
        if (section && !section.hidden) section.scrollIntoView({ block: "start" });
      }
      allItems().then(function (list) {
        if (!list.length) return go();
        if (list.some(function (i) { return i.state === "rejected"; })) {
          return stop("error", texts.count.replace("%(count)s", list.length));
        }
        feedback(complete, "info", texts.count.replace("%(count)s", list.length));
        return flush().then(allItems).then(function (left) {
          if (!left.length) return go();
          stop("error", stall && stall.reason === "network" ? texts.offline : texts.count.replace("%(count)s", left.length));
        });
      }, go);
    });
  }

  // --- the signature pad ---------------------------------------------------------------------------

  function signaturePad(form) {
    var canvas = form.querySelector("canvas.signature-pad");
    var input = form.querySelector("input[name=signature]");
    var clear = form.querySelector(".signature-clear");
    if (!canvas || !input || !canvas.getContext) return null;
    canvas.hidden = false;
    if (clear) clear.hidden = false;
    var ctx = canvas.getContext("2d");
    var drawn = false, last = null;
    function style() {
      ctx.lineCap = "round";
      ctx.lineJoin = "round";
      ctx.strokeStyle = "#111";
      ctx.fillStyle = "#111";
      ctx.lineWidth = Math.max(2, canvas.width / 150);
    }
    function at(event) {
      var r = canvas.getBoundingClientRect();
      return { x: (event.clientX - r.left) * canvas.width / r.width, y: (event.clientY - r.top) * canvas.height / r.height };
    }
    canvas.addEventListener("pointerdown", function (event) {
      if (event.button > 0) return;
      event.preventDefault();
      if (canvas.setPointerCapture) canvas.setPointerCapture(event.pointerId);
      style();
      last = at(event);
      ctx.beginPath();
      ctx.arc(last.x, last.y, ctx.lineWidth / 2, 0, 2 * Math.PI);
      ctx.fill();
      drawn = true;
      canvas.classList.add("signed");
    });
    canvas.addEventListener("pointermove", function (event) {
      if (!last) return;
      event.preventDefault();
      var points = event.getCoalescedEvents ? event.getCoalescedEvents() : [];
      if (!points.length) points = [event];
      ctx.beginPath();
      ctx.moveTo(last.x, last.y);
      points.forEach(function (p) { last = at(p); ctx.lineTo(last.x, last.y); });
      ctx.stroke();
    });
    ["pointerup", "pointercancel", "lostpointercapture"].forEach(function (name) {
      canvas.addEventListener(name, function () { last = null; });
    });
    if (clear) {
      clear.addEventListener("click", function () {
        ctx.clearRect(0, 0, canvas.width, canvas.height);
        drawn = false;
        input.value = "";
        canvas.classList.remove("signed");
      });
    }
    return { fill: function () { input.value = drawn ? canvas.toDataURL("image/png") : ""; } };
  }

  // --- the service worker: the page and its files for offline use -------------------------------------

  function worker() {
    return navigator.serviceWorker && navigator.serviceWorker.ready;
  }

  function assets() {
    var urls = [];
    document.querySelectorAll("link[rel=stylesheet][href], script[src]").forEach(function (node) {
      var url = new URL(node.getAttribute("href") || node.getAttribute("src"), location.href);
      if (url.origin === location.origin && url.pathname.indexOf("/static/") === 0) urls.push(url.pathname + url.search);
    });
    return urls;
  }

  // After items arrived, the kept copy of the page is refreshed: a reload offline shows them.
  function refreshOfflineCopy() {
    var ready = worker();
    if (ready) ready.then(function (reg) { if (reg.active) reg.active.postMessage({ type: "refresh", url: location.pathname }); });
  }

  if ("serviceWorker" in navigator && window.isSecureContext !== false) {
    var controlled = !!navigator.serviceWorker.controller;
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function (reg) {
      if (!reg.active) return;
      // A page that did not come through the worker (the first visit) is fetched once more for it.
      reg.active.postMessage({ type: "precache", urls: assets(), page: controlled ? null : location.pathname });
    }).catch(function () { /* no offline copy: the page still works online */ });
  }

  // --- starting -------------------------------------------------------------------------------------

  var count = document.getElementById("outbox-count");
  if (count) {
    count.addEventListener("click", function () {
      var section = document.getElementById("outbox");
      if (section && !section.hidden) section.scrollIntoView({ block: "start", behavior: "smooth" });
    });
  }
  if (outboxUsable) {
    render().then(flush);
    window.addEventListener("online", function () { stall = null; render(); flush(); });
    window.addEventListener("offline", function () { render(); });
    document.addEventListener("visibilitychange", function () { if (document.visibilityState === "visible") flush(); });
    setInterval(function () {
      allItems().then(function (list) {
        if (list.some(function (i) { return i.state === "pending"; })) flush();
      }, function () {});
    }, RETRY_MS);
  }
  // The forms are handled from here on: data-ready holds the milliseconds since navigation start
  // (bench/walk_page.py times the page up to this mark; the tests wait for it).
  walk.dataset.ready = String(Math.round(window.performance ? performance.now() : 0));
})();
