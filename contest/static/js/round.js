/* The round page: countdown from the server's clock, autosave of each answer, auto-submit.
 * Without this file the page is a plain form: "Lưu bài" saves it, "Nộp bài" submits it. */
(function () {
  "use strict";
  var form = document.getElementById("attempt-form");
  if (!form || !window.fetch) { return; }

  var deadline = Number(form.getAttribute("data-deadline-ms"));
  // The server's clock is the only one: remember how far this phone's clock is off.
  var offset = Number(form.getAttribute("data-server-now-ms")) - Date.now();
  var saveUrl = form.getAttribute("data-save-url");
  var clockUrl = form.getAttribute("data-clock-url");
  var meta = document.querySelector('meta[name="csrf-token"]');
  var csrfField = form.querySelector('input[name="csrf_token"]');
  var tokenField = form.querySelector('input[name="attempt_token"]');
  var token = meta ? meta.getAttribute("content") : "";
  var attemptToken = tokenField ? tokenField.value : "";
  var bar = document.getElementById("timer-bar");
  var countdown = document.getElementById("countdown");
  var status = document.getElementById("save-status");
  var counters = document.querySelectorAll(".answered-count");
  var questions = form.querySelectorAll("fieldset.question");
  var total = questions.length;
  var submitButton = document.getElementById("submit-button");
  var saveButton = document.getElementById("save-button");

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

  /* timeutil.format_duration(ms, tenths=False): "14 phút 57 giây", "15 phút", "1 giờ 5 phút". */
  function duration(ms) {
    var s = Math.max(0, Math.floor(ms / 1000));
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
    var parts = [];
    if (h) { parts.push(h + " giờ"); }
    if (m) { parts.push(m + " phút"); }
    if (sec || !parts.length) { parts.push(sec + " giây"); }
    return parts.join(" ");
  }

  function show(text, kind) {
    if (!status) { return; }
    status.textContent = text;
    status.className = "save-status " + (kind || "");
  }

  function mark(position, state) {
    // state: "done" (saved), "pending" (sending), "unsaved" (refused, or not yet through).
    var link = document.getElementById("nav-" + position);
    if (link) {
      link.className = state;
      var hidden = link.querySelector(".visually-hidden");
      if (hidden) {
        hidden.textContent = state === "done" ? " (đã trả lời)" :
          state === "unsaved" ? " (chưa lưu được)" : " (đang lưu)";
      }
    }
    var fieldset = document.getElementById("cau-" + position);
    var note = fieldset ? fieldset.querySelector(".unsaved-note") : null;
    if (note) { note.hidden = state !== "unsaved"; }
  }

  function queue(key, payload) {
    if (!(key in pending)) { order.push(key); }
    pending[key] = payload;
    if (payload.position) { mark(payload.position, "pending"); }
    show("Đang lưu…", "");
    flush();
  }

  function retry(text) {
    show(text || "Chưa lưu được", "fail");
    order.forEach(function (key) {
      if (pending[key] && pending[key].position) { mark(pending[key].position, "unsaved"); }
    });
    clearTimeout(retryTimer);
    retryTimer = setTimeout(flush, retryDelay);
    retryDelay = Math.min(retryDelay * 2, 30000);
  }

  function useTokens(data) {
    if (data.csrf_token) {
      token = data.csrf_token;
      if (csrfField) { csrfField.value = token; }
    }
    if (data.attempt_token) {
      attemptToken = data.attempt_token;
      if (tokenField) { tokenField.value = attemptToken; }
    }
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
                "X-CSRFToken": token, "X-Attempt-Token": attemptToken},
      body: JSON.stringify(payload)
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        return {code: response.status, data: data || {}};
      });
    }).then(function (result) {
      inflight = false;
      if (result.data.ok) {
        if (pending[key] === payload) {
          delete pending[key]; order.shift();
          if (payload.position) { mark(payload.position, "done"); }
        }
        retryDelay = 1000;
        show(order.length ? "Đang lưu…" : "Đã lưu", order.length ? "" : "ok");
        flush();
      } else if (result.data.retry === "session") {
        // The session is gone: fetch fresh tokens by the remembered identity, send again.
        show("Đang kết nối lại…", "fail");
        resync(true).then(function (ok) { if (ok) { flush(); } else { retry(); } });
      } else if (result.code === 409 || result.code === 404) {
        // Time is up or the attempt was submitted elsewhere: the server shows the result.
        finished = true;
        show(result.data.error || "Bài thi đã kết thúc.", "fail");
        setTimeout(function () { window.location.reload(); }, 1500);
      } else if (result.code === 400 && result.data.error) {
        // Refused for good (a value the server cannot take): never shown as saved.
        delete pending[key]; order.shift();
        if (payload.position) { mark(payload.position, "unsaved"); }
        show(result.data.error, "fail");
        flush();
      } else {
        retry();
      }
    }).catch(function () {
      inflight = false;
      retry("Chưa lưu được — kiểm tra kết nối");
    });
  }

  function answeredCount() {
    return form.querySelectorAll("fieldset.question input:checked").length;
  }

  function updateCount() {
    var done = answeredCount();
    for (var i = 0; i < counters.length; i++) {
      counters[i].textContent = "Đã trả lời " + done + "/" + total + " câu.";
    }
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

  form.addEventListener("submit", function (event) {
    var submitter = event.submitter || document.activeElement;
    var saving = saveButton && submitter === saveButton;
    if (!saving && remaining() > 0) {
      var left = total - answeredCount();
      if (left > 0 && !window.confirm("Bạn còn " + left + " câu chưa trả lời. Vẫn nộp bài?")) {
        event.preventDefault();
        return;
      }
    }
    finished = true;
    if (saving) {
      saveButton.textContent = "Đang lưu…";
    } else if (submitButton) {
      submitButton.textContent = "Đang nộp bài…";
    }
    // Disabled after this event, so the pressed button's own value still goes with the form.
    setTimeout(function () {
      if (saveButton) { saveButton.disabled = true; }
      if (submitButton) { submitButton.disabled = true; }
    }, 0);
  });

  window.addEventListener("online", function () { retryDelay = 1000; flush(); });

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
    countdown.textContent = "Còn " + duration(seconds * 1000);
    countdown.className = "countdown" + (seconds <= 60 ? " urgent" : "");
    tickTimer = setTimeout(tick, (left % 1000) + 20);
  }

  /* Ask the server for its time and the deadline (and fresh tokens): the page may come
   * back from the browser's memory after Back, or wake from sleep, with an old clock. */
  var syncing = null;
  function resync(force) {
    if (syncing) { return syncing; }
    if (finished && !force) { return Promise.resolve(false); }
    var sent = Date.now();
    syncing = fetch(clockUrl, {credentials: "same-origin", cache: "no-store",
                               headers: {"Accept": "application/json"}})
      .then(function (response) { return response.json(); })
      .then(function (data) {
        syncing = null;
        if (!data || !data.ok) { return false; }
        var received = Date.now();
        offset = data.now_ms - (sent + received) / 2;
        deadline = data.deadline_ms;
        useTokens(data);
        if (data.submitted) {
          finished = true;
          window.location.replace(data.result_url);
          return false;
        }
        if (force && finished && remaining() > 0) { reopen(); }
        tick();
        return true;
      })
      .catch(function () { syncing = null; return false; });
    return syncing;
  }

  /* Back to a page left by "Lưu bài" or "Nộp bài" that did not finish the attempt. */
  function reopen() {
    finished = false;
    if (saveButton) { saveButton.disabled = false; saveButton.textContent = "Lưu bài"; }
    if (submitButton) { submitButton.disabled = false; submitButton.textContent = "Nộp bài"; }
    flush();
  }

  // This page asks before an incomplete submit (the submit handler): the server, which
  // asks when no "confirm" comes with "Nộp bài" (JavaScript off), need not ask again.
  var confirmField = document.createElement("input");
  confirmField.type = "hidden";
  confirmField.name = "confirm";
  confirmField.value = "yes";
  form.appendChild(confirmField);

  if (bar) { bar.hidden = false; }
  var note = document.getElementById("save-note");
  if (note) {
    note.textContent = "Mỗi câu được lưu ngay khi bạn chọn; dòng trên cùng cho biết thời gian " +
      "còn lại. Hết giờ, bài được nộp tự động với các câu đã lưu.";
  }
  if (countdown) { tick(); }

  window.addEventListener("pageshow", function (event) {
    var nav = window.performance && performance.getEntriesByType ?
      performance.getEntriesByType("navigation")[0] : null;
    if (event.persisted || (nav && nav.type === "back_forward")) { resync(true); }
  });
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) { tick(); resync(false); }
  });
  window.addEventListener("focus", function () { resync(false); });
})();
