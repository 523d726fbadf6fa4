// Codes in: a keyboard-wedge scanner (USB or Bluetooth, typing like a keyboard), the device's
// camera, or typing by hand. Load as a module on a page holding the markup described in
// docs/scanner.md:
//
//   <div data-scanner>  (a form, or an element around one)
//     <input data-scanner-field name="code">   the code field, inside the form that looks it up
//     <input type="hidden" data-scanner-source name="source">   optional: scan, camera or typed
//     <button type="button" data-scanner-camera-open hidden>    optional: the camera parts
//     <div data-scanner-camera hidden><video></video>
//       <button type="button" data-scanner-torch hidden> <button type="button" data-scanner-camera-close>
//     </div>
//     <p data-scanner-status role="status" aria-live="polite"></p>
//   </div>
//
// Each way in ends the same way: the code goes into the field and the form is submitted (htmx
// takes the submit where the form asks it to), and focus comes back to the field afterwards so
// the next scan lands there.

// A scanner types a whole code in a few milliseconds per key; people rarely manage two keys
// within 50 ms, let alone six in a row. Bluetooth scanners are the slowest at about 30 ms.
const SCAN_MAX_KEY_GAP_MS = 50;
const SCAN_MIN_LENGTH = 6;

// What the catalogue reads (issue 8): GTINs on products and shelf labels, store labels, QR.
const FORMATS = ["ean_13", "ean_8", "upc_a", "upc_e", "code_128", "qr_code"];

// Resolved against this file, so they follow wherever the static files are served from. The
// polyfill would otherwise fetch its WebAssembly from a public CDN.
const POLYFILL_URL = new URL("../vendor/barcode-detector/ponyfill.js", import.meta.url);
const WASM_URL = new URL("../vendor/zxing-wasm/zxing_reader.wasm", import.meta.url);

const MESSAGES = {
  empty: "Type or scan a code first.",
  insecure:
    "The camera works only on a secure (https://) address. Open this page at its https:// " +
    "address, or scan or type the code.",
  unsupported: "This browser cannot use a camera here. Scan or type the code instead.",
  refused:
    "Camera access was refused. Allow the camera for this site in the browser's settings, " +
    "or scan or type the code.",
  noCamera: "No camera was found on this device. Scan or type the code instead.",
  busy: "The camera is in use by another app or could not start. Close that app and try again.",
  readerFailed: "The barcode reader could not load. Scan or type the code instead.",
  opening: "Opening the camera…",
  open: "Camera on. Hold the barcode in front of it.",
  closed: "Camera off.",
  torchFailed: "The torch could not be switched.",
};

let active = null; // the scanner on the page that wedge scans go to: the last one attached
let refocusAfterSubmit = false; // a submit is on its way: give the field focus once it settles
let detectorPromise = null;

function isEditable(element) {
  return (
    element instanceof HTMLElement &&
    (element.isContentEditable || element.matches("input, textarea, select"))
  );
}

// The keys of one burst: each within SCAN_MAX_KEY_GAP_MS of the one before. The times are the
// events' own (when the key arrived), not when a busy page got round to handling them.
class KeyBurst {
  constructor() {
    this.reset();
  }

  reset() {
    this.text = "";
    this.lastKeyAt = -Infinity;
  }

  add(character, time) {
    if (time - this.lastKeyAt > SCAN_MAX_KEY_GAP_MS) {
      this.text = "";
    }
    this.text += character;
    this.lastKeyAt = time;
  }

  isScanEndingAt(time) {
    return this.text.length >= SCAN_MIN_LENGTH && time - this.lastKeyAt <= SCAN_MAX_KEY_GAP_MS;
  }
}

const burst = new KeyBurst();

// One listener for the whole page, so a scan still lands when focus is on a button or nowhere;
// keys typed into another field are left alone.
document.addEventListener(
  "keydown",
  (event) => {
    if (!active?.isConnected() || event.isComposing || event.ctrlKey || event.metaKey || event.altKey) {
      return;
    }
    const inField = event.target === active.field;
    if (!inField && isEditable(event.target)) {
      burst.reset();
      return;
    }
    if (event.key.length === 1) {
      burst.add(event.key, event.timeStamp);
    } else if (event.key === "Enter") {
      const scanned = burst.isScanEndingAt(event.timeStamp) ? burst.text : null;
      burst.reset();
      if (scanned !== null) {
        event.preventDefault();
        active.submit(scanned, "scan");
      } else if (inField) {
        event.preventDefault();
        active.submit(active.field.value, "typed");
      }
    } else if (event.key !== "Shift") {
      burst.reset();
    }
  },
  true,
);

function focusIsLost() {
  return document.activeElement === null || document.activeElement === document.body;
}

document.addEventListener("htmx:afterSettle", () => {
  if (active?.isConnected() && (refocusAfterSubmit || focusIsLost())) {
    refocusAfterSubmit = false;
    active.focusField();
  }
});

// The native detector where the browser has one that reads every format we need (Chrome on
// Android, Safari on recent iPadOS); else the ZXing WebAssembly polyfill from our static files.
async function detectorCreate() {
  const Native = globalThis.BarcodeDetector;
  if (Native) {
    const supported = await Native.getSupportedFormats();
    if (FORMATS.every((format) => supported.includes(format))) {
      return new Native({ formats: FORMATS });
    }
  }
  const { BarcodeDetector, prepareZXingModule } = await import(POLYFILL_URL.href);
  // Before the first detector is made: it starts loading the module with the overrides in force.
  await prepareZXingModule({
    overrides: {
      locateFile: (path, prefix) => (path.endsWith(".wasm") ? WASM_URL.href : prefix + path),
    },
    fireImmediately: true,
  });
  return new BarcodeDetector({ formats: FORMATS });
}

function detector() {
  detectorPromise ??= detectorCreate().catch((error) => {
    detectorPromise = null;
    throw error;
  });
  return detectorPromise;
}

function cameraErrorMessage(error) {
  switch (error?.name) {
    case "NotAllowedError":
    case "SecurityError":
      return MESSAGES.refused;
    case "NotFoundError":
    case "OverconstrainedError":
      return MESSAGES.noCamera;
    case "NotReadableError":
    case "AbortError":
      return MESSAGES.busy;
    default:
      return `The camera could not start (${error?.name ?? "unknown error"}). Scan or type the code.`;
  }
}

function nextVideoFrame(video) {
  return new Promise((resolve) => {
    if (video.requestVideoFrameCallback) {
      video.requestVideoFrameCallback(() => resolve());
    } else {
      requestAnimationFrame(() => resolve());
    }
  });
}

class CameraScan {
  constructor(scanner, root) {
    this.scanner = scanner;
    this.openButton = root.querySelector("[data-scanner-camera-open]");
    this.panel = root.querySelector("[data-scanner-camera]");
    this.video = this.panel.querySelector("video");
    this.torchButton = root.querySelector("[data-scanner-torch]");
    this.closeButton = root.querySelector("[data-scanner-camera-close]");
    this.stream = null;

    this.video.muted = true;
    this.video.playsInline = true;
    this.openButton.setAttribute("aria-expanded", "false");
    this.openButton.hidden = false;
    this.openButton.addEventListener("click", () => this.open());
    this.closeButton.addEventListener("click", () => this.close(MESSAGES.closed));
    this.torchButton?.addEventListener("click", () => this.torchToggle());
    this.panel.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        this.close(MESSAGES.closed);
      }
    });
  }

  async open() {
    if (this.stream || this.openButton.disabled) {
      return;
    }
    if (!window.isSecureContext) {
      this.scanner.announce(MESSAGES.insecure);
      return;
    }
    if (!navigator.mediaDevices?.getUserMedia) {
      this.scanner.announce(MESSAGES.unsupported);
      return;
    }
    this.openButton.disabled = true;
    this.scanner.announce(MESSAGES.opening);
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({
        audio: false,
        video: { facingMode: { ideal: "environment" }, width: { ideal: 1280 }, height: { ideal: 720 } },
      });
    } catch (error) {
      this.openButton.disabled = false;
      this.scanner.announce(cameraErrorMessage(error));
      return;
    }
    let reader;
    try {
      reader = await detector();
    } catch (error) {
      stream.getTracks().forEach((track) => track.stop());
      this.openButton.disabled = false;
      this.scanner.announce(MESSAGES.readerFailed);
      return;
    }
    this.stream = stream;
    this.video.srcObject = stream;
    this.panel.hidden = false;
    this.openButton.setAttribute("aria-expanded", "true");
    this.torchShowIfSupported(stream.getVideoTracks()[0]);
    this.closeButton.focus();
    this.scanner.announce(MESSAGES.open);
    try {
      await this.video.play();
    } catch (error) {
      this.close(cameraErrorMessage(error));
      return;
    }
    this.detectLoop(stream, reader);
  }

  async detectLoop(stream, reader) {
    while (this.stream === stream) {
      if (this.video.readyState >= HTMLMediaElement.HAVE_CURRENT_DATA) {
        let found = [];
        try {
          found = await reader.detect(this.video);
        } catch (error) {
          // A frame the reader could not take (the video was resizing): try the next one.
        }
        const hit = found.find((barcode) => FORMATS.includes(barcode.format) && barcode.rawValue);
        if (hit && this.stream === stream) {
          this.scanner.submit(hit.rawValue, "camera");
          return;
        }
      }
      await nextVideoFrame(this.video);
    }
  }

  torchShowIfSupported(track) {
    if (!this.torchButton) {
      return;
    }
    const capabilities = track?.getCapabilities ? track.getCapabilities() : {};
    this.torchButton.hidden = !capabilities.torch;
    this.torchButton.setAttribute("aria-pressed", "false");
  }

  async torchToggle() {
    const track = this.stream?.getVideoTracks()[0];
    if (!track) {
      return;
    }
    const on = this.torchButton.getAttribute("aria-pressed") !== "true";
    try {
      await track.applyConstraints({ advanced: [{ torch: on }] });
      this.torchButton.setAttribute("aria-pressed", String(on));
    } catch (error) {
      this.scanner.announce(MESSAGES.torchFailed);
    }
  }

  // Stops the camera (its light goes off) and hands focus back to the code field.
  close(message) {
    if (!this.stream) {
      return;
    }
    this.stream.getTracks().forEach((track) => track.stop());
    this.stream = null;
    this.video.srcObject = null;
    this.panel.hidden = true;
    if (this.torchButton) {
      this.torchButton.hidden = true;
    }
    this.openButton.disabled = false;
    this.openButton.setAttribute("aria-expanded", "false");
    if (message) {
      this.scanner.announce(message);
    }
    this.scanner.focusField();
  }
}

class Scanner {
  constructor(root) {
    this.root = root;
    this.field = root.querySelector("[data-scanner-field]");
    this.form = this.field.form;
    this.source = root.querySelector("[data-scanner-source]");
    this.status = root.querySelector("[data-scanner-status]");
    this.camera = root.querySelector("[data-scanner-camera-open]") ? new CameraScan(this, root) : null;
  }

  isConnected() {
    return this.root.isConnected && this.field.isConnected;
  }

  announce(message) {
    if (this.status) {
      this.status.textContent = message;
    }
  }

  focusField() {
    this.field.focus();
    this.field.select();
  }

  submit(code, source) {
    const trimmed = code.trim();
    this.camera?.close();
    if (!trimmed) {
      this.announce(MESSAGES.empty);
      this.focusField();
      return;
    }
    this.field.value = trimmed;
    if (this.source) {
      this.source.value = source;
    }
    this.announce(source === "typed" ? `Looking up ${trimmed}…` : `Scanned ${trimmed}. Looking it up…`);
    refocusAfterSubmit = true;
    this.focusField();
    this.form.requestSubmit();
  }
}

const attached = new WeakSet();

function attachWithin(container) {
  const roots = [
    ...(container.matches?.("[data-scanner]") ? [container] : []),
    ...container.querySelectorAll("[data-scanner]"),
  ];
  for (const root of roots) {
    if (attached.has(root) || !root.querySelector("[data-scanner-field]")?.form) {
      continue;
    }
    attached.add(root);
    active = new Scanner(root);
    if (refocusAfterSubmit || focusIsLost()) {
      refocusAfterSubmit = false;
      active.focusField();
    }
  }
}

// A module runs once the document is parsed; htmx announces content it swaps in with htmx:load.
attachWithin(document);
document.addEventListener("htmx:load", (event) => attachWithin(event.target));
