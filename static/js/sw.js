// The walk page's service worker, served at /sw.js (chizhou_walkthrough/views.py:service_worker) so
// that its scope is the whole site. A head who loses the connection at the window can reload the
// walk page and keep logging; what they log waits in the page's outbox (static/js/walk.js) and is
// sent when the connection returns. This worker only keeps the page and its files:
//
// - /static/…: cache-first, and refreshed in the background when online. The names carry no content
//   hash (whitenoise's CompressedStaticFilesStorage), so a pure cache-first would keep an old
//   walk.js for ever; this way a new release is used from the next load on.
// - navigations to a walk page (/walkthroughs/<id>/): network-first; each successful GET is kept,
//   and offline the kept copy is served. walk.js asks for a fresh copy after its items have arrived.
// - everything else — POSTs, other pages, the API, downloads — passes untouched and is never kept.
// - signing in or out (POST to /accounts/login/ or /accounts/logout/) forgets the kept pages:
//   they are one person's.
//
// Why not Workbox: two strategies for two kinds of URL fit in about a hundred lines; Workbox would
// bring a build step (or its CDN loader, which the CSP forbids: our own scripts only) and a library
// to keep current for what is read here at a glance. Change VERSION to drop every cache at once.
"use strict";

var VERSION = "1";
var STATIC = "cw-static-v" + VERSION;
var PAGES = "cw-pages-v" + VERSION;
var WALK_PAGE = /^\/walkthroughs\/\d+\/$/;
var FORGET_ON = ["/accounts/login/", "/accounts/logout/"];

self.addEventListener("install", function () { self.skipWaiting(); });

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) { return n.indexOf("cw-") === 0 && n !== STATIC && n !== PAGES; })
      .map(function (n) { return caches.delete(n); }));
  }).then(function () { return self.clients.claim(); }));
});

function sameOrigin(url) { return url.origin === self.location.origin; }

// A response worth keeping: our own, complete, not a redirect (a signed-out page is the login form).
function keepable(response) {
  return response && response.ok && response.status === 200 && response.type === "basic" && !response.redirected;
}

function fetchAndKeep(cacheName, request, event) {
  return fetch(request).then(function (response) {
    if (keepable(response)) {
      var copy = response.clone();
      var kept = caches.open(cacheName).then(function (cache) { return cache.put(request, copy); });
      if (event) event.waitUntil(kept);
      else return kept.then(function () { return response; });
    }
    return response;
  });
}

function staticFirst(event) {
  return caches.open(STATIC).then(function (cache) {
    return cache.match(event.request).then(function (hit) {
      var fresh = fetchAndKeep(STATIC, event.request, event);
      if (hit) {
        event.waitUntil(fresh.catch(function () {}));  // refreshed for the next load
        return hit;
      }
      return fresh;
    });
  });
}

function pageNetworkFirst(event) {
  var url = new URL(event.request.url);
  var key = url.origin + url.pathname;  // one copy per walk page, whatever the query
  return fetch(event.request).then(function (response) {
    if (keepable(response)) {
      var copy = response.clone();
      event.waitUntil(caches.open(PAGES).then(function (cache) { return cache.put(key, copy); }));
    }
    return response;
  }, function (error) {
    return caches.open(PAGES).then(function (cache) { return cache.match(key); }).then(function (hit) {
      if (hit) return hit;
      throw error;
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (!sameOrigin(url)) return;
  if (request.method !== "GET") {
    if (request.method === "POST" && FORGET_ON.indexOf(url.pathname) !== -1) event.waitUntil(caches.delete(PAGES));
    return;
  }
  if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(staticFirst(event));
  } else if (request.mode === "navigate" && WALK_PAGE.test(url.pathname)) {
    event.respondWith(pageNetworkFirst(event));
  }
});

// From walk.js: {type: "precache", urls: [static files of the page], page: a walk page to keep}
// at registration, {type: "refresh", url} once items have arrived. Anything else is ignored.
self.addEventListener("message", function (event) {
  var data = event.data || {};
  var jobs = [];
  if (data.type === "precache" && Array.isArray(data.urls)) {
    jobs = data.urls.filter(function (u) { return typeof u === "string" && u.indexOf("/static/") === 0; }).map(function (u) {
      return caches.open(STATIC).then(function (cache) {
        return cache.match(u).then(function (hit) { return hit || fetchAndKeep(STATIC, new Request(u)); });
      });
    });
  }
  var page = data.type === "precache" ? data.page : data.type === "refresh" ? data.url : null;
  if (typeof page === "string" && WALK_PAGE.test(page)) {
    jobs.push(fetch(page, { credentials: "same-origin", cache: "no-store" }).then(function (response) {
      if (keepable(response)) {
        return caches.open(PAGES).then(function (cache) { return cache.put(self.location.origin + page, response); });
      }
    }));
  }
  event.waitUntil(Promise.all(jobs.map(function (job) { return job.catch(function () {}); })));
});
