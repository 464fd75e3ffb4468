// loader.js starts cnnviz. It checks that the browser can run the page,
// downloads web/cnnviz.wasm with a progress bar (compiling it as it
// arrives, where the browser can), runs the program with the Go support
// code of wasm_exec.js, and hands window.cnnviz to whoever waits on
// window.cnnvizReady once the Go program calls window.cnnvizStarted().
//
// It defines, before anything else can fail:
//
//   window.cnnvizReady        a Promise of window.cnnviz; it rejects when the
//                             page cannot start or the program stops early.
//   window.cnnvizStarted()    called by the Go program once window.cnnviz exists.
//   window.cnnvizShowError(m) shows m in a dismissable banner over the page.
//   window.cnnvizFetch(path)  a Promise of the bytes (Uint8Array) of a file of
//                             the site, such as "web/data/t10k-labels-idx1-ubyte".
//   window.cnnvizTimings      milliseconds since the navigation started at which
//                             each loading stage ended.
//   window.cnnvizProgram      the program file chosen: web/cnnviz.wasm (WebAssembly
//                             SIMD) or, where SIMD is missing, web/cnnviz-scalar.wasm.
//
// A standalone page (see cmd/bundle) carries its files inline, as
// <script type="application/octet-stream" data-path="..."> blocks holding
// base64 text (data-gzip="1" when the bytes were gzipped for the bundle);
// cnnvizFetch then answers from those blocks and makes no request at all.
//
// The file is written in ES5 on purpose: a browser too old for WebAssembly
// still parses it and can say why the page cannot start.
(function () {
  "use strict";

  var WASM_PATH = "web/cnnviz.wasm"; // built with WebAssembly SIMD
  var WASM_SCALAR_PATH = "web/cnnviz-scalar.wasm"; // for browsers without it
  // SIMD_PROBE is the smallest module that uses WebAssembly SIMD: one
  // function of type [] -> [v128] whose body is v128.const 0. Browsers
  // without SIMD reject it in WebAssembly.validate.
  var SIMD_PROBE = [0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0,
    10, 22, 1, 20, 0, 253, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 11];
  var MAX_BANNERS = 5;

  var doc = document;
  var timings = { script: now() };
  var ready = { promise: null, resolve: null, reject: null, done: false };
  var failed = false;
  var outputTail = "";

  function now() {
    return window.performance && performance.now ? Math.round(performance.now()) : 0;
  }

  function byID(id) {
    return doc.getElementById(id);
  }

  function setText(id, text) {
    var el = byID(id);
    if (el) {
      el.textContent = text;
    }
  }

  function removeNode(el) {
    if (el && el.parentNode) {
      el.parentNode.removeChild(el);
    }
  }

  // showError adds a banner with the message over the page. The banner has a
  // button that removes it; only the newest MAX_BANNERS banners stay.
  function showError(message) {
    var box = byID("cnnviz-errors");
    if (!box) {
      return;
    }
    var item = doc.createElement("div");
    item.className = "cnnviz-error";
    item.setAttribute("role", "alert");
    var text = doc.createElement("p");
    text.textContent = String(message);
    var close = doc.createElement("button");
    close.type = "button";
    close.setAttribute("aria-label", "Dismiss this message");
    close.textContent = "\u00d7";
    close.onclick = function () {
      removeNode(item);
    };
    item.appendChild(text);
    item.appendChild(close);
    box.appendChild(item);
    while (box.children.length > MAX_BANNERS) {
      removeNode(box.firstElementChild);
    }
  }

  // fail replaces the loading screen, or covers the running page, with the
  // message that cnnviz cannot run, and rejects cnnvizReady if it is still
  // waiting. title replaces the heading when given.
  function fail(message, hint, title) {
    failed = true;
    removeNode(byID("cnnviz-loading"));
    if (title) {
      setText("cnnviz-fatal-title", title);
    }
    setText("cnnviz-fatal-message", message);
    setText("cnnviz-fatal-hint", hint || "");
    var screen = byID("cnnviz-fatal");
    if (screen) {
      screen.hidden = false;
    }
    var reload = byID("cnnviz-reload");
    if (reload) {
      reload.onclick = function () {
        location.reload();
      };
    }
    if (window.console && console.error) {
      console.error("cnnviz: " + message + (hint ? "\n" + hint : ""));
    }
    if (!ready.done && ready.reject) {
      ready.done = true;
      ready.reject(new Error(message));
    }
  }

  function setStatus(text) {
    setText("cnnviz-status", text);
  }

  function megabytes(n) {
    return (n / 1e6).toFixed(1) + " MB";
  }

  // setProgress shows how much of the program has arrived; total is 0 when
  // the size is not known.
  function setProgress(received, total) {
    var bar = byID("cnnviz-bar");
    if (!bar) {
      return;
    }
    if (total > 0) {
      var percent = Math.min(100, Math.floor((received * 100) / total));
      bar.className = "cnnviz-bar";
      bar.firstElementChild.style.width = percent + "%";
      bar.setAttribute("aria-valuenow", String(percent));
      setStatus("Downloading the program: " + megabytes(received) + " of " + megabytes(total) + " (" + percent + "%)");
    } else {
      bar.className = "cnnviz-bar cnnviz-indeterminate";
      bar.removeAttribute("aria-valuenow");
      setStatus("Downloading the program: " + megabytes(received));
    }
  }

  // inlineBlock returns the inline data block of a standalone page for path,
  // or null.
  function inlineBlock(path) {
    var blocks = doc.querySelectorAll('script[type="application/octet-stream"][data-path]');
    for (var i = 0; i < blocks.length; i++) {
      if (blocks[i].getAttribute("data-path") === path) {
        return blocks[i];
      }
    }
    return null;
  }

  function decodeBase64(text) {
    text = text.replace(/\s+/g, "");
    if (typeof Uint8Array.fromBase64 === "function") {
      return Uint8Array.fromBase64(text);
    }
    var binary = atob(text);
    var out = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) {
      out[i] = binary.charCodeAt(i);
    }
    return out;
  }

  function gunzip(bytes) {
    if (typeof DecompressionStream !== "function") {
      return Promise.reject(new Error("this browser cannot unpack the files bundled in the page (DecompressionStream is missing)"));
    }
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return new Response(stream).arrayBuffer().then(function (buf) {
      return new Uint8Array(buf);
    });
  }

  function concat(chunks, length) {
    var out = new Uint8Array(length);
    var at = 0;
    for (var i = 0; i < chunks.length; i++) {
      out.set(chunks[i], at);
      at += chunks[i].length;
    }
    return out;
  }

  // readBody reads a response to its end, reporting progress as bytes arrive.
  // Content-Length only measures the bytes if no Content-Encoding applies.
  function readBody(resp, onProgress) {
    var total = 0;
    var length = resp.headers.get("Content-Length");
    if (length && !resp.headers.get("Content-Encoding")) {
      total = parseInt(length, 10) || 0;
    }
    if (!resp.body || typeof resp.body.getReader !== "function") {
      return resp.arrayBuffer().then(function (buf) {
        if (onProgress) {
          onProgress(buf.byteLength, buf.byteLength);
        }
        return new Uint8Array(buf);
      });
    }
    var reader = resp.body.getReader();
    var chunks = [];
    var received = 0;
    function pump() {
      return reader.read().then(function (step) {
        if (step.done) {
          return concat(chunks, received);
        }
        chunks.push(step.value);
        received += step.value.length;
        if (onProgress) {
          onProgress(received, total > 0 && received <= total ? total : 0);
        }
        return pump();
      });
    }
    return pump();
  }

  // countedStream passes the body of resp through, reporting progress as
  // bytes arrive and calling onEnd once the last has.
  function countedStream(resp, onProgress, onEnd) {
    var total = 0;
    var length = resp.headers.get("Content-Length");
    if (length && !resp.headers.get("Content-Encoding")) {
      total = parseInt(length, 10) || 0;
    }
    var reader = resp.body.getReader();
    var received = 0;
    return new ReadableStream({
      pull: function (controller) {
        return reader.read().then(function (step) {
          if (step.done) {
            onEnd();
            controller.close();
            return;
          }
          received += step.value.length;
          onProgress(received, total > 0 && received <= total ? total : 0);
          controller.enqueue(step.value);
        });
      },
      cancel: function (reason) {
        return reader.cancel(reason);
      }
    });
  }

  // canStream reports whether the program at path can be compiled while it
  // downloads: it comes from the server (not an inline block) and the
  // browser has WebAssembly.instantiateStreaming and readable streams.
  function canStream(path) {
    return !inlineBlock(path) && typeof WebAssembly.instantiateStreaming === "function" &&
      typeof ReadableStream === "function" && typeof Response === "function" &&
      typeof fetch === "function";
  }

  // instantiate downloads the program at path and instantiates it,
  // compiling it as it arrives where the browser can.
  function instantiate(path, importObject, onDownloaded) {
    if (!canStream(path)) {
      return fetchBytes(path, setProgress).then(function (bytes) {
        onDownloaded();
        return WebAssembly.instantiate(bytes, importObject);
      });
    }
    return fetch(path).then(function (resp) {
      if (!resp.ok) {
        throw new Error("could not download " + path + ": HTTP " + resp.status);
      }
      if (!resp.body || typeof resp.body.getReader !== "function") {
        return resp.arrayBuffer().then(function (buf) {
          onDownloaded();
          return WebAssembly.instantiate(buf, importObject);
        });
      }
      // A Response made here has the MIME type that streaming
      // compilation asks for, whatever the server sent.
      var counted = new Response(countedStream(resp, setProgress, onDownloaded), {
        headers: { "Content-Type": "application/wasm" }
      });
      return WebAssembly.instantiateStreaming(counted, importObject);
    }, function (err) {
      throw new Error("could not download " + path + ": " + (err && err.message ? err.message : err));
    });
  }

  function normalizePath(path) {
    return String(path).replace(/^(\.\/|\/)+/, "");
  }

  // fetchBytes returns a Promise of the bytes of a file of the site, from an
  // inline block when the page carries one, or else from the server.
  function fetchBytes(path, onProgress) {
    var p = normalizePath(path);
    if (/^[a-z][a-z0-9+.\-]*:/i.test(p) || /^\/\//.test(String(path))) {
      return Promise.reject(new Error("cnnvizFetch takes a path inside the site, not " + path));
    }
    var block = inlineBlock(p);
    if (block) {
      return Promise.resolve().then(function () {
        var bytes = decodeBase64(block.textContent);
        return block.getAttribute("data-gzip") === "1" ? gunzip(bytes) : bytes;
      });
    }
    if (location.protocol === "file:") {
      return Promise.reject(new Error(p + " is not bundled into this page, and a page opened from a file cannot download it"));
    }
    return fetch(p).then(function (resp) {
      if (!resp.ok) {
        throw new Error("could not download " + p + ": HTTP " + resp.status);
      }
      return readBody(resp, onProgress);
    }, function (err) {
      throw new Error("could not download " + p + ": " + (err && err.message ? err.message : err));
    });
  }

  function hasWebGL2() {
    try {
      var gl = doc.createElement("canvas").getContext("webgl2");
      if (!gl) {
        return false;
      }
      var lose = gl.getExtension("WEBGL_lose_context");
      if (lose) {
        lose.loseContext();
      }
      return true;
    } catch (e) {
      return false;
    }
  }

  // captureOutput keeps the last few kilobytes that the Go program writes
  // (wasm_exec.js sends stdout and stderr to console.log), so that a panic
  // can be shown in the page and not only in the console.
  function captureOutput() {
    var fs = window.fs;
    if (!fs || typeof fs.writeSync !== "function" || typeof TextDecoder !== "function") {
      return;
    }
    var write = fs.writeSync;
    var decoder = new TextDecoder("utf-8");
    fs.writeSync = function (fd, buf) {
      outputTail = (outputTail + decoder.decode(buf, { stream: true })).slice(-4000);
      return write.call(fs, fd, buf);
    };
  }

  // lastWords returns the panic message of the program, or else the last
  // lines it wrote.
  function lastWords() {
    var i = outputTail.lastIndexOf("panic: ");
    if (i < 0) {
      i = outputTail.lastIndexOf("fatal error: ");
    }
    if (i >= 0) {
      var end = outputTail.indexOf("\n\n", i);
      return outputTail.slice(i, end < 0 ? undefined : end).trim();
    }
    return outputTail.trim().split("\n").slice(-3).join("\n");
  }

  function stopped(reason) {
    var words = lastWords();
    var hint = (words ? words + "\n\n" : "") + "Reload the page to start again.";
    if (ready.done) {
      fail("cnnviz stopped: " + reason + ".", hint, "cnnviz stopped");
    } else {
      fail("cnnviz stopped while starting: " + reason + ".", hint);
    }
  }

  function started() {
    if (ready.done || failed) {
      return;
    }
    timings.ready = now();
    removeNode(byID("cnnviz-loading"));
    ready.done = true;
    if (!window.cnnviz) {
      ready.reject(new Error("the program started but did not define window.cnnviz"));
      return;
    }
    ready.resolve(window.cnnviz);
  }

  function hasWasmSIMD() {
    try {
      return WebAssembly.validate(new Uint8Array(SIMD_PROBE));
    } catch (e) {
      return false;
    }
  }

  function start() {
    if (typeof WebAssembly !== "object" || !WebAssembly || typeof WebAssembly.instantiate !== "function") {
      fail("This browser cannot run WebAssembly, which cnnviz needs.",
        "Use a current version of Firefox, Chrome, Edge or Safari. If WebAssembly was turned off, for example by a security setting, turn it on for this page.");
      return;
    }
    if (!hasWebGL2()) {
      fail("This browser cannot draw with WebGL 2, which cnnviz needs.",
        "Turn on hardware acceleration in the browser settings, or use a current version of Firefox, Chrome, Edge or Safari.");
      return;
    }
    if (typeof Go !== "function") {
      fail("A part of the page (web/wasm_exec.js) did not load.",
        "Reload the page. If you built the site yourself, run ./build.sh first.");
      return;
    }
    var wasmPath = WASM_PATH;
    if (!hasWasmSIMD()) {
      if (inlineBlock(WASM_PATH) && !inlineBlock(WASM_SCALAR_PATH)) {
        fail("This browser cannot run WebAssembly SIMD, which this single-file copy of cnnviz needs.",
          "Use a current version of Firefox, Chrome, Edge or Safari (16.4 or later), or open the served site, which also has a version without SIMD.");
        return;
      }
      wasmPath = WASM_SCALAR_PATH;
    }
    window.cnnvizProgram = wasmPath;
    if (location.protocol === "file:" && !inlineBlock(wasmPath)) {
      fail("This copy of the page was opened from a file, and a page opened from a file cannot load its program.",
        "Open cnnviz-standalone.html instead, which carries everything inside it, or serve the folder, for example with ./build.sh serve.");
      return;
    }

    captureOutput();
    var go = new Go();
    var exitCode = null;
    go.exit = function (code) {
      exitCode = code;
    };
    if (inlineBlock(wasmPath)) {
      setStatus("Unpacking the program…");
    }
    instantiate(wasmPath, go.importObject, function () {
      timings.downloaded = now();
      setProgress(1, 1);
      // The program shows its first prediction on a built-in sample and
      // asks for the MNIST test set only when something needs it.
      setStatus("Starting the program…");
    }).then(function (result) {
      timings.instantiated = now();
      go.run(result.instance).then(function () {
        stopped(exitCode ? "the program exited with code " + exitCode : "the program ended");
      }, function (err) {
        stopped(String(err && err.message ? err.message : err));
      });
    })["catch"](function (err) {
      fail("cnnviz could not load: " + (err && err.message ? err.message : err) + ".",
        "Check the connection and reload the page.");
    });
  }

  window.cnnvizTimings = timings;
  window.cnnvizShowError = showError;
  window.cnnvizStarted = started;
  if (typeof Promise === "function") {
    ready.promise = new Promise(function (resolve, reject) {
      ready.resolve = resolve;
      ready.reject = reject;
    });
    // The page shows every failure itself; this keeps a rejection that no
    // one awaits from being reported as unhandled.
    ready.promise["catch"](function () {});
    window.cnnvizReady = ready.promise;
    window.cnnvizFetch = function (path) {
      return fetchBytes(path, null);
    };
  }
  start();
})();
