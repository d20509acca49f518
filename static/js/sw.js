// Placeholder: the walk page's service worker is written in the next commit.
self.addEventListener("install", function () { self.skipWaiting(); });
