/* Receipt page: print and copy buttons (the download form works without JavaScript). */
(function () {
  "use strict";
  document.querySelectorAll(".js-only").forEach(function (element) { element.hidden = false; });
  var status = document.getElementById("copy-status");

  var printButton = document.querySelector("[data-print]");
  if (printButton) {
    printButton.addEventListener("click", function () { window.print(); });
  }

  var copyButton = document.querySelector("[data-copy]");
  if (!copyButton) { return; }
  var source = document.getElementById(copyButton.getAttribute("data-copy"));
  var text = source ? source.content.textContent.trim() : "";
  var copiedMessage = copyButton.getAttribute("data-copied") || "";

  function fallbackCopy() {
    // For browsers without the asynchronous clipboard (or outside a secure context).
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    var copied = false;
    try { copied = document.execCommand("copy"); } catch (error) { copied = false; }
    document.body.removeChild(area);
    return copied;
  }

  copyButton.addEventListener("click", function () {
    function done(ok) {
      if (status) {
        status.textContent = ok ? copiedMessage : copyButton.getAttribute("data-copy-failed") || "";
      }
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(function () { done(true); }, function () { done(fallbackCopy()); });
    } else {
      done(fallbackCopy());
    }
  });
}());
