// Live view of an open round: refresh the counters and the latest submissions every 10 s.
// The page works without this file (a "Tải lại" link reloads it); text is set with
// textContent only, so names typed by residents can never become markup.
(function () {
  "use strict";
  var root = document.getElementById("live");
  if (!root || !window.fetch) { return; }
  var url = root.getAttribute("data-live-url");
  var INTERVAL = 10000;
  var numberFormat = new Intl.NumberFormat("vi-VN");
  root.classList.add("live-js");

  function cell(row, text, numeric) {
    var td = document.createElement("td");
    td.textContent = text;
    if (numeric) { td.className = "num"; }
    row.appendChild(td);
  }

  function render(data) {
    ["in_progress", "submitted", "participants", "full_marks"].forEach(function (key) {
      var el = root.querySelector('[data-live="' + key + '"]');
      if (el) { el.textContent = numberFormat.format(data[key]); }
    });
    var stamp = root.querySelector('[data-live="updated_at"]');
    if (stamp) { stamp.textContent = data.updated_at; }
    var body = root.querySelector("[data-live-rows]");
    if (!body) { return; }
    while (body.firstChild) { body.removeChild(body.firstChild); }
    if (!data.latest.length) {
      var empty = document.createElement("tr");
      var td = document.createElement("td");
      td.colSpan = 5;
      td.textContent = "Chưa có bài nộp.";
      empty.appendChild(td);
      body.appendChild(empty);
      return;
    }
    data.latest.forEach(function (item) {
      var tr = document.createElement("tr");
      cell(tr, item.submitted_at);
      cell(tr, item.name);
      cell(tr, item.unit);
      cell(tr, item.score + "/" + item.questions, true);
      cell(tr, item.duration + (item.timeout ? " (hết giờ)" : ""), true);
      body.appendChild(tr);
    });
  }

  function poll() {
    if (document.hidden) { return; }
    fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) { if (data && data.ok) { render(data); } })
      .catch(function () { /* keep the last figures; the next tick retries */ });
  }

  window.setInterval(poll, INTERVAL);
  document.addEventListener("visibilitychange", poll);
}());
