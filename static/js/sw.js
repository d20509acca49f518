// The walk page's service worker, served at /sw.js (chizhou_walkthrough/views.py:service_worker) so
// that its scope is the whole site. A head who loses the connection at the window can reload the
// walk page and keep logging; what they log waits in the page's outbox (static/js/walk.js) and is
// sent when the connection returns. This worker only keeps the page and its files:
//
// - the walk page's own files (PRECACHE): kept when the worker installs, then served from the cache
//   without asking the network. The list is filled in by the view with the URLs the page uses — in
//   production content-hashed names (css/site.3f2a….css, whitenoise's
//   CompressedManifestStaticFilesStorage), which never change content — and VERSION is derived from
//   the files' contents, so a release that changes one makes a new worker, a new cache, and the old
//   cache is deleted when it takes over. Other /static/ files are left to the browser's HTTP cache
//   (their hashed names are cached for a year, "immutable").
// - navigations to a walk page (/walkthroughs/<id>/): network-first; each successful GET is kept,
//   and offline the kept copy is served. walk.js asks for a fresh copy after its items have arrived.
// - everything else — POSTs, other pages, the API, downloads — passes untouched and is never kept.
// - signing in or out (POST to /accounts/login/ or /accounts/logout/) forgets the kept pages:
//   they are one person's.
//
// Why not Workbox: two strategies for two kinds of URL fit in about a hundred lines; Workbox would
// bring a build step (or its CDN loader, which the CSP forbids: our own scripts only) and a library
// to keep current for what is read here at a glance.
"use strict";

// Filled in by chizhou_walkthrough/views.py:service_worker (left as they are when read as a file).
var PRECACHE = /*PRECACHE*/[];
var VERSION = /*VERSION*/"dev";
var FETCH_MODE = /*FETCH_MODE*/"no-cache";  // "default" for hashed names: the HTTP cache's copy is right
var STATIC = "cw-static-" + VERSION;
var PAGES = "cw-pages-v1";  // kept across releases: refreshed when a new worker takes over
var WALK_PAGE = /^\/walkthroughs\/\d+\/$/;
var FORGET_ON = ["/accounts/login/", "/accounts/logout/"];

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(STATIC).then(function (cache) {
    return cache.addAll(PRECACHE.map(function (url) { return new Request(url, { cache: FETCH_MODE }); }));
  }).then(function () { return self.skipWaiting(); }));
});

// Taking over: the caches of earlier releases go, and the kept pages are fetched again, so that
// offline they name this release's files (a kept page that cannot be fetched now stays as it is).
self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) { return n.indexOf("cw-") === 0 && n !== STATIC && n !== PAGES; })
      .map(function (n) { return caches.delete(n); }));
  }).then(function () {
    return caches.open(PAGES).then(function (cache) {
      return cache.keys().then(function (requests) {
        return Promise.all(requests.map(function (request) {
          return fetch(request.url, { credentials: "same-origin", cache: "no-store" }).then(function (response) {
            if (keepable(response)) return cache.put(request.url, response);
          }).catch(function () {});
        }));
      });
    });
  }).then(function () { return self.clients.claim(); }));
});

function sameOrigin(url) { return url.origin === self.location.origin; }

// A response worth keeping: our own, complete, not a redirect (a signed-out page is the login form).
function keepable(response) {
  return response && response.ok && response.status === 200 && response.type === "basic" && !response.redirected;
}

function precached(url) {
  return PRECACHE.indexOf(url.pathname + url.search) !== -1;
}

function staticFirst(event) {
  return caches.open(STATIC).then(function (cache) {
    return cache.match(event.request).then(function (hit) {
      return hit || fetch(event.request).then(function (response) {
        if (keepable(response)) {
          var copy = response.clone();
          event.waitUntil(cache.put(event.request, copy));
        }
        return response;
      });
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
  if (precached(url)) {
    event.respondWith(staticFirst(event));
  } else if (request.mode === "navigate" && WALK_PAGE.test(url.pathname)) {
    event.respondWith(pageNetworkFirst(event));
  }
});

// From walk.js: {type: "precache", urls, page: a walk page to keep} at registration (the urls are
// ignored: PRECACHE is the list), {type: "refresh", url} once items have arrived. Anything else is ignored.
self.addEventListener("message", function (event) {
  var data = event.data || {};
  var jobs = [];
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
