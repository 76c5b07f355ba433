/* "Chia sẻ": the phone's own share sheet (Web Share API) where it has one, else copy the
 * link. Without this file the button is a link to a page with the link and a QR code. */
(function () {
  "use strict";
  var button = document.getElementById("share-button");
  if (!button) { return; }
  var status = document.getElementById("share-status");
  var data = {
    title: button.getAttribute("data-title"),
    text: button.getAttribute("data-text"),
    url: button.getAttribute("data-url")
  };

  function say(text) { if (status) { status.textContent = text; } }

  function copy() {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(data.url).then(function () {
        say("Đã chép đường dẫn. Dán vào Zalo, Facebook hoặc tin nhắn để gửi.");
        return true;
      }, function () { return false; });
    }
    return Promise.resolve(false);
  }

  button.addEventListener("click", function (event) {
    if (navigator.share) {
      event.preventDefault();
      navigator.share(data).catch(function (error) {
        // Closing the share sheet is not an error worth a message.
        if (error && error.name !== "AbortError") {
          copy().then(function (ok) { if (!ok) { window.location = button.href; } });
        }
      });
      return;
    }
    event.preventDefault();
    copy().then(function (ok) { if (!ok) { window.location = button.href; } });
  });
})();
