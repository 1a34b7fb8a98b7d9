/* The scan page's camera: the browser's own BarcodeDetector where it exists (Chrome on
   Android). Without it the button stays hidden and the code is typed; both fill #code. */
(function () {
  "use strict";
  var button = document.getElementById("camera-button"), video = document.getElementById("camera");
  var code = document.getElementById("code"), form = document.getElementById("scan-form");
  // "Open lot" is a plain GET: it must not go into the offline queue.
  var open = form.querySelector("[data-open-lot]");
  open.addEventListener("click", function (event) {
    event.preventDefault();
    if (code.value.trim()) location.href = open.getAttribute("formaction") + "?code=" + encodeURIComponent(code.value.trim());
  });
  if (!("BarcodeDetector" in window) || !navigator.mediaDevices) return;
  var detector = new BarcodeDetector({ formats: ["qr_code", "code_128"] }), stream = null;
  button.hidden = false;
  function stop() {
    if (stream) stream.getTracks().forEach(function (t) { t.stop(); });
    stream = null; video.hidden = true;
  }
  function look() {
    if (!stream) return;
    detector.detect(video).then(function (found) {
      if (found.length) {
        // Labels carry the site URL with the code at its end (…/lots/CODE/): keep the code.
        var raw = found[0].rawValue.trim().replace(/\/+$/, "");
        code.value = raw.split("/").pop().toUpperCase();
        if (navigator.vibrate) navigator.vibrate(80);
        stop();
        return;
      }
      setTimeout(look, 250);
    }).catch(function () { setTimeout(look, 500); });
  }
  button.addEventListener("click", function () {
    if (stream) return stop();
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (s) {
      stream = s; video.srcObject = s; video.hidden = false; video.play(); look();
    }).catch(function () { button.hidden = true; });
  });
})();
