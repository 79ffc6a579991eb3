// The station's pages: the link state polled every second, camera scanning, and printing a badge.
// A static file, not inline script: every page is served with a CSP that allows only the station's own scripts.
"use strict";

async function poll() {
  try {
    const r = await fetch("/station/status", {cache: "no-store"});
    const s = await r.json();
    const el = document.getElementById("link");
    el.className = s.state; el.textContent = s.label;
  } catch (e) { /* the page itself is served locally; keep the last state */ }
}
setInterval(poll, 1000);

// Printing: the frame gets its badge only once it listens for the load, so the print dialog cannot be missed.
const printFrame = document.getElementById("print-frame");
if (printFrame) {
  printFrame.addEventListener("load", () => { try { printFrame.contentWindow.print(); } catch (e) { /* no printer */ } });
  printFrame.src = printFrame.dataset.src;
}

// The form's CSRF token, sent with the frames this page posts (services/common/csrf.py).
function csrfToken() {
  const field = document.querySelector('#scan-form input[name="csrf_token"]');
  return field ? field.value : "";
}

// Camera scanning. The browser's own BarcodeDetector where it can read QR codes; otherwise
// (Chromium on Linux, Firefox) a frame every 300 ms goes to this station's server, which
// decodes it with zxing-cpp. Either way the token is submitted like a USB scanner's.
if (document.getElementById("camera") && navigator.mediaDevices && navigator.mediaDevices.getUserMedia) {
  const button = document.getElementById("camera");
  const state = document.getElementById("camera-state");
  button.hidden = false;
  async function nativeDetector() {
    if (!("BarcodeDetector" in window)) return null;
    try {
      const formats = await BarcodeDetector.getSupportedFormats();
      return formats.includes("qr_code") ? new BarcodeDetector({formats: ["qr_code"]}) : null;
    } catch (e) { return null; }
  }
  async function serverDecode(video, canvas) {
    const scale = Math.min(1, 960 / (video.videoWidth || 960));
    canvas.width = Math.round((video.videoWidth || 640) * scale);
    canvas.height = Math.round((video.videoHeight || 480) * scale);
    canvas.getContext("2d").drawImage(video, 0, 0, canvas.width, canvas.height);
    const frame = await new Promise((done) => canvas.toBlob(done, "image/png"));
    const r = await fetch("/station/scan/frame", {
      method: "POST", body: frame, cache: "no-store", headers: {"X-CSRF-Token": csrfToken()},
    });
    const answer = await r.json();
    return answer.found ? answer.token : null;
  }
  button.addEventListener("click", async () => {
    const video = document.getElementById("camera-view");
    try {
      video.srcObject = await navigator.mediaDevices.getUserMedia({video: {facingMode: "environment"}});
    } catch (e) { state.textContent = "No camera: " + e.name; return; }
    video.hidden = false;
    await video.play();
    const detector = await nativeDetector();
    const canvas = document.createElement("canvas");
    state.textContent = detector ? "Camera on (browser decoder)" : "Camera on (station decoder)";
    const look = async () => {
      let token = null;
      try {
        if (detector) {
          const codes = await detector.detect(video);
          token = codes.length ? codes[0].rawValue : null;
        } else if (video.readyState >= 2) {
          token = await serverDecode(video, canvas);
        }
      } catch (e) { token = null; }
      if (token) {
        document.getElementById("scan").value = token;
        video.srcObject.getTracks().forEach((t) => t.stop());
        document.getElementById("scan-form").submit();
      } else { setTimeout(look, detector ? 100 : 300); }
    };
    look();
  });
}
