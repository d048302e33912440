// The demo page: the classic "Run WebSocket" example on sockwave's standard `Socket` (the
// browser's WebSocket, exactly) or on the Rust crate (the same four notices), then a small
// console on `connect()` (promises, typed errors), from sockwave's npm package (staged into
// www/sockwave/ by `npm start`).
// "manual": the page is usable (WebSocketTest defined) before the .wasm arrives; each action
// awaits `ready`. An app that can wait at import uses "sockwave" (index.js) and no init().
import init, { Socket, connect } from "./sockwave/js/manual.js";

const $ = (sel) => document.querySelector(sel);
const params = new URLSearchParams(location.search);
const useAlerts = params.get("alerts") === "1";
if (params.get("url")) $("#url").value = params.get("url");
const ready = init();

const time = () => new Date().toISOString().slice(11, 23);
function logTo(list, text, kind = "info") {
  const li = document.createElement("li");
  li.className = kind;
  const t = document.createElement("time");
  t.textContent = time();
  li.append(t, " ", text);
  list.append(li);
  li.scrollIntoView({ block: "nearest" });
}
const describe = (e) => (e && e.name ? `${e.name}: ${e.message}` : String(e));
const closeText = (e) => `code ${e.code}${e.reason ? `, reason "${e.reason}"` : ""}${e.wasClean ? "" : ", not clean"}`;

// ---- The classic example, step for step (alert() with ?alerts=1, an on-page list otherwise).
function notice(text, kind = "info") {
  if (useAlerts) alert(text);
  else logTo($("#notices"), text, kind);
}

// "Run on": the npm package (below) or the Rust crate (examples/echo-chat/src/classic.rs,
// built into rust/pkg/ by `npm start`, loaded on first use). `?face=rust` picks Rust.
const face = () => document.querySelector('input[name="face"]:checked').value;
if (params.get("face") === "rust") document.querySelector('input[name="face"][value="rust"]').checked = true;
let rust = null;
const rustFace = () => (rust ??= import("./rust/pkg/sockwave_echo_chat.js").then(async (m) => (await m.default(), m)));

window.WebSocketTest = async function WebSocketTest() {
  $("#notices").replaceChildren();
  if (!("WebSocket" in window)) {
    notice("WebSocket NOT supported by your Browser!", "error");
    return;
  }
  notice("WebSocket is supported by your Browser!");
  const url = $("#url").value.trim();
  if (face() === "rust") {
    try {
      await (await rustFace()).websocketTest(url, notice);
    } catch (e) {
      notice(`Error: the Rust face did not load (${describe(e)}); npm start builds it`, "error");
    }
    return;
  }
  await ready;
  let ws;
  try {
    ws = new Socket(url);
  } catch (e) {
    notice(`Error: ${describe(e)}`, "error");
    return;
  }
  let opened = false;
  ws.onopen = () => {
    opened = true;
    ws.send("Message to send");
    notice("Message is sent...");
  };
  ws.onmessage = (evt) => {
    notice(`Message is received... ${evt.data}`);
    ws.close(1000, "done");
  };
  ws.onerror = () => {
    if (!opened) notice(`Error: cannot connect to ${url}. Is the server running (npm start)?`, "error");
  };
  ws.onclose = (evt) => notice(`Connection is closed... (${closeText(evt)})`, evt.wasClean ? "info" : "error");
};

// The code each face runs, shown as it is: this function, and the Rust file itself.
$("#code-js").textContent = `// www/app.js (the npm package's Socket)\n${window.WebSocketTest}`;
fetch("rust/pkg/classic.rs").then((r) => (r.ok ? r.text() : Promise.reject(new Error(r.status))))
  .then((code) => ($("#code-rust").textContent = `// examples/echo-chat/src/classic.rs\n${code}`))
  .catch(() => ($("#code-rust").textContent = "// the Rust face is not built: npm start builds it"));

// ---- The console.
let socket = null;
const log = (text, kind) => logTo($("#log"), text, kind);
const show = (data) =>
  typeof data === "string"
    ? JSON.stringify(data)
    : `${data.length} bytes [${Array.from(data.slice(0, 16), (b) => b.toString(16).padStart(2, "0")).join(" ")}${data.length > 16 ? " …" : ""}]`;

$("#connect").addEventListener("click", async () => {
  await ready;
  const url = $("#url").value.trim();
  if (socket && socket.readyState <= Socket.OPEN) socket.close().catch(() => {});
  socket = null;
  log(`connecting to ${url}`);
  let ws;
  try {
    ws = socket = await connect(url);
  } catch (e) {
    if (e.name === "InvalidUrl") log(`bad URL: ${describe(e)}`, "error");
    else {
      log(`error: cannot connect to ${url}, is the server running? (${describe(e)})`, "error");
      if (e.closeEvent) log(`close: ${closeText(e.closeEvent)}`, "error");
    }
    return;
  }
  log(`open (protocol "${ws.protocol}")`, "open");
  ws.onmessage = (e) => log(`message: ${show(e.data)}`, "message");
  ws.onerror = () => log("error", "error");
  ws.onclose = (e) => log(`close: ${closeText(e)}`, e.wasClean ? "close" : "error");
});

async function send(binary) {
  if (!socket) return log("not connected: press Connect first", "error");
  const text = $("#payload").value;
  try {
    await socket.send(binary ? new TextEncoder().encode(text) : text);
    log(`sent ${binary ? "binary" : "text"}: ${binary ? show(new TextEncoder().encode(text)) : show(text)}`, "sent");
  } catch (e) {
    log(`send failed: ${describe(e)}`, "error");
  }
}
$("#send-text").addEventListener("click", () => send(false));
$("#send-binary").addEventListener("click", () => send(true));

$("#close").addEventListener("click", async () => {
  if (!socket) return log("not connected: press Connect first", "error");
  const code = Number($("#close-code").value);
  try {
    await socket.close(code, $("#close-reason").value);
  } catch (e) {
    log(`close refused: ${describe(e)}`, "error");
  }
});

const STATE_NAMES = ["CONNECTING", "OPEN", "CLOSING", "CLOSED"];
setInterval(() => {
  $("#ready-state").textContent = socket ? `${socket.readyState} ${STATE_NAMES[socket.readyState]}` : "–";
  $("#buffered").textContent = socket ? String(socket.bufferedAmount) : "–";
}, 100);
