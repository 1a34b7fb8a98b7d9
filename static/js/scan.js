/* The phone's camera for codes: lot labels on the scan page, household cards on a batch page.
   The browser's own BarcodeDetector where it can read QR codes (Chrome on Android); otherwise
   zxing-wasm, self-hosted under /static/vendor and fetched only when a camera is first used.
   Each camera button (data-camera-for="<input id>", data-camera-video="<video id>") fills its
   input with the code the QR ends in (a label's …/L/CODE, a card's …/p/CODE/). Typing the code
   always works. */
(function () {
  "use strict";
  // The scan page's "Open lot" is a plain GET: it must not go into the offline queue.
  var scanForm = document.getElementById("scan-form");
  var open = scanForm && scanForm.querySelector("[data-open-lot]");
  if (open) {
    open.addEventListener("click", function (event) {
      event.preventDefault();
      var code = document.getElementById("code");
      if (code.value.trim()) location.href = open.getAttribute("formaction") + "?code=" + encodeURIComponent(code.value.trim());
    });
  }
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return;
  var decode = null;

  function nativeDecoder(video) {
    if (!("BarcodeDetector" in window) || !BarcodeDetector.getSupportedFormats) return Promise.resolve(null);
    return BarcodeDetector.getSupportedFormats().then(function (formats) {
      if (formats.indexOf("qr_code") < 0) return null;
      var detector = new BarcodeDetector({ formats: ["qr_code"] });
      var read = function (video) {
        return detector.detect(video).then(function (found) { return found.length ? found[0].rawValue : null; });
      };
      read.kind = "native";
      return read;
    }, function () { return null; });
  }

  function wasmDecoder(button) {
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
      var read = function (video) {
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

  function decoder(button) {
    if (decode) return Promise.resolve(decode);
    return nativeDecoder().then(function (native) { return native || wasmDecoder(button); })
      .then(function (found) { decode = found; return found; });
  }

  function camera(button) {
    var video = document.getElementById(button.dataset.cameraVideo);
    var input = document.getElementById(button.dataset.cameraFor);
    if (!video || !input) return;
    button.hidden = false;
    var stream = null;

    function stop() {
      if (stream) stream.getTracks().forEach(function (t) { t.stop(); });
      stream = null; video.hidden = true;
    }

    function look() {
      if (!stream) return;
      decode(video).then(function (raw) {
        if (raw) {
          // Labels and cards carry a link ending in the code (…/L/CODE, …/p/CODE/): keep it.
          input.value = raw.trim().replace(/\/+$/, "").split("/").pop().toUpperCase();
          if (navigator.vibrate) navigator.vibrate(80);
          stop();
          input.dispatchEvent(new Event("change", { bubbles: true }));
          return;
        }
        setTimeout(look, 250);
      }).catch(function () { setTimeout(look, 500); });
    }

    button.addEventListener("click", function () {
      if (stream) return stop();
      Promise.all([
        navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }),
        decoder(button)
      ]).then(function (ready) {
        button.dataset.decoder = decode ? decode.kind : "";
        stream = ready[0]; video.srcObject = stream; video.hidden = false; video.play(); look();
      }).catch(function () { stop(); button.hidden = true; });
    });
  }

  document.querySelectorAll("[data-camera-for]").forEach(camera);
})();
