// The big screen's live figures: server-sent events from /screen/events replace the
// figures the server rendered. Without this script the page still shows them and reloads.
(function () {
  "use strict";
  if (!window.EventSource) { return; }
  var live = document.querySelector("[data-live]");
  var source = new EventSource("/screen/events");
  source.addEventListener("dashboard", function (e) {
    var data;
    try { data = JSON.parse(e.data); } catch (_) { return; }
    Object.keys(data.fields || {}).forEach(function (name) {
      document.querySelectorAll('[data-field="' + name + '"]').forEach(function (el) {
        el.textContent = data.fields[name];
      });
    });
    var cards = document.getElementById("cards");
    // The chart is markup the server rendered and escaped, as it renders every page.
    if (cards && typeof data.cards_html === "string") { cards.innerHTML = data.cards_html; }
    if (live) { live.hidden = false; }
  });
  source.onerror = function () { if (live) { live.hidden = true; } };
})();
