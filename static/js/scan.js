/* The scan page's camera. The browser's own BarcodeDetector where it can read QR codes
   (Chrome on Android); otherwise zxing-wasm, self-hosted under /static/vendor and fetched only
   when the camera is first used. Typing the code always works; both fill #code. */
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
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return;
  button.hidden = false;
  var stream = null, decode = null;

  function nativeDecoder() {
    if (!("BarcodeDetector" in window) || !BarcodeDetector.getSupportedFormats) return Promise.resolve(null);
    return BarcodeDetector.getSupportedFormats().then(function (formats) {
      if (formats.indexOf("qr_code") < 0) return null;
      var detector = new BarcodeDetector({ formats: ["qr_code"] });
      var read = function () {
        return detector.detect(video).then(function (found) { return found.length ? found[0].rawValue : null; });
      };
      read.kind = "native";
      return read;
    }, function () { return null; });
  }

  function wasmDecoder() {
    return new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = button.dataset.zxingJs;
      script.onload = resolve;
      script.onerror = reject;
      document.head.appendChild(script);
    }).then(function () {
      var wasm = button.dataset.zxingWasm;
      ZXingWASM.prepareZXingModule({
        overrides: { locateFile: function (path, prefix) { return /\.wasm$/.test(path) ? wasm : prefix + path; } },
        fireImmediately: true
      });
      var canvas = document.createElement("canvas"), context = canvas.getContext("2d", { willReadFrequently: true });
      var read = function () {
        if (!video.videoWidth) return Promise.resolve(null);
        canvas.width = video.videoWidth; canvas.height = video.videoHeight;
        context.drawImage(video, 0, 0);
        var frame = context.getImageData(0, 0, canvas.width, canvas.height);
        return ZXingWASM.readBarcodes(frame, { formats: ["QRCode"], tryHarder: true, maxNumberOfSymbols: 1 })
          .then(function (found) { return found.length && found[0].isValid !== false ? found[0].text : null; });
      };
      read.kind = "zxing-wasm";
      return read;
    });
  }

  function decoder() {
    if (decode) return Promise.resolve(decode);
    return nativeDecoder().then(function (native) { return native || wasmDecoder(); })
      .then(function (found) { decode = found; button.dataset.decoder = found ? found.kind : ""; return found; });
  }

  function stop() {
    if (stream) stream.getTracks().forEach(function (t) { t.stop(); });
    stream = null; video.hidden = true;
  }

  function look() {
    if (!stream) return;
    decode().then(function (raw) {
      if (raw) {
        // Labels carry a link ending in the code (…/L/CODE): keep the code.
        code.value = raw.trim().replace(/\/+$/, "").split("/").pop().toUpperCase();
        if (navigator.vibrate) navigator.vibrate(80);
        stop();
        code.dispatchEvent(new Event("change", { bubbles: true }));
        return;
      }
      setTimeout(look, 250);
    }).catch(function () { setTimeout(look, 500); });
  }

  button.addEventListener("click", function () {
    if (stream) return stop();
    Promise.all([
      navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }),
      decoder()
    ]).then(function (ready) {
      stream = ready[0]; video.srcObject = stream; video.hidden = false; video.play(); look();
    }).catch(function () { stop(); button.hidden = true; });
  });
})();
