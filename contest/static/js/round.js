/* The round page: countdown from the server's clock, autosave of each answer, auto-submit.
 * Without this file the page is a plain form that posts every answer at once. */
(function () {
  "use strict";
  var form = document.getElementById("attempt-form");
  if (!form || !window.fetch) { return; }

  var deadline = Number(form.getAttribute("data-deadline-ms"));
  // The server's clock is the only one: remember how far this phone's clock is off.
  var offset = Number(form.getAttribute("data-server-now-ms")) - Date.now();
  var saveUrl = form.getAttribute("data-save-url");
  var meta = document.querySelector('meta[name="csrf-token"]');
  var token = meta ? meta.getAttribute("content") : "";
  var countdown = document.getElementById("countdown");
  var status = document.getElementById("save-status");
  var counter = document.getElementById("answered-count");
  var total = form.querySelectorAll("fieldset.question").length;

  // Stop autosaving this long before the deadline: the final submit carries every answer.
  var STOP_SAVING_MS = 2000;
  var finished = false;
  var pending = {};
  var order = [];
  var inflight = false;
  var retryDelay = 1000;
  var retryTimer = null;
  var predictionTimer = null;

  function remaining() { return deadline - (Date.now() + offset); }

  function show(text, kind) {
    if (!status) { return; }
    status.textContent = text;
    status.className = "save-status " + (kind || "");
  }

  function queue(key, payload) {
    if (!(key in pending)) { order.push(key); }
    pending[key] = payload;
    show("Đang lưu…", "");
    flush();
  }

  function retry() {
    show("Chưa lưu được — kiểm tra kết nối", "fail");
    clearTimeout(retryTimer);
    retryTimer = setTimeout(flush, retryDelay);
    retryDelay = Math.min(retryDelay * 2, 30000);
  }

  function flush() {
    if (inflight || finished || !order.length) { return; }
    if (remaining() < STOP_SAVING_MS) { return; }
    var key = order[0];
    var payload = pending[key];
    inflight = true;
    fetch(saveUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: {"Content-Type": "application/json", "Accept": "application/json",
                "X-CSRFToken": token},
      body: JSON.stringify(payload)
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        return {code: response.status, data: data};
      });
    }).then(function (result) {
      inflight = false;
      if (result.data && result.data.ok) {
        if (pending[key] === payload) { delete pending[key]; order.shift(); }
        retryDelay = 1000;
        show(order.length ? "Đang lưu…" : "Đã lưu", order.length ? "" : "ok");
        flush();
      } else if (result.code === 409 || result.code === 404) {
        // Time is up or the attempt was submitted elsewhere: the server shows the result.
        finished = true;
        show(result.data.error || "Bài thi đã kết thúc.", "fail");
        setTimeout(function () { window.location.reload(); }, 1500);
      } else if (result.code === 400 && result.data.error) {
        delete pending[key]; order.shift();
        show(result.data.error, "fail");
        flush();
      } else {
        retry();
      }
    }).catch(function () {
      inflight = false;
      retry();
    });
  }

  function updateCount() {
    if (!counter) { return; }
    var done = form.querySelectorAll("fieldset.question input:checked").length;
    counter.textContent = "Đã trả lời " + done + "/" + total + " câu.";
  }

  form.addEventListener("change", function (event) {
    var input = event.target;
    var match = /^q(\d+)$/.exec(input.name || "");
    if (match && input.type === "radio") {
      queue(input.name, {position: Number(match[1]), choice: Number(input.value)});
      updateCount();
    } else if (input.name === "prediction") {
      savePrediction(input);
    }
  });

  function savePrediction(input) {
    clearTimeout(predictionTimer);
    // Text a number field cannot read ("12-") reads as "": not a cleared prediction.
    if (input.validity && input.validity.badInput) { return; }
    var value = input.value.trim();
    if (value !== "" && !/^\d+$/.test(value)) { return; }
    queue("prediction", {prediction: value === "" ? null : value});
  }

  var prediction = document.getElementById("prediction");
  if (prediction) {
    prediction.addEventListener("input", function () {
      clearTimeout(predictionTimer);
      predictionTimer = setTimeout(function () { savePrediction(prediction); }, 1200);
    });
  }

  form.addEventListener("submit", function () {
    finished = true;
    var button = document.getElementById("submit-button");
    if (button) { button.disabled = true; button.textContent = "Đang nộp bài…"; }
  });

  window.addEventListener("online", function () { retryDelay = 1000; flush(); });

  function pad(n) { return n < 10 ? "0" + n : String(n); }

  var tickTimer = null;

  function tick() {
    clearTimeout(tickTimer);
    var left = remaining();
    if (left <= 0) {
      countdown.textContent = "Hết giờ — đang nộp bài…";
      if (!finished) {
        finished = true;
        form.submit();
      }
      return;
    }
    var seconds = Math.ceil(left / 1000);
    countdown.textContent = "Còn " + Math.floor(seconds / 60) + ":" + pad(seconds % 60);
    countdown.className = "countdown" + (seconds <= 60 ? " urgent" : "");
    tickTimer = setTimeout(tick, 1000 - (left % 1000) + 20);
  }

  if (countdown) {
    countdown.hidden = false;
    tick();
  }
  // A tab woken from sleep recomputes at once instead of waiting for the next tick.
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden && countdown && !finished) { tick(); }
  });
})();
