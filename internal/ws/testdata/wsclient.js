// A client of the echo server in node_test.go, written on the ws npm
// package: it runs each scenario on a connection of its own and prints
// what it saw as one JSON object, for the Go test to check.
// Usage: node wsclient.js ws://host:port
"use strict";
const crypto = require("crypto");
const WebSocket = require("ws");

const base = process.argv[2];
setTimeout(() => { console.error("timed out"); process.exit(2); }, 20000).unref();

const sha = (data) => crypto.createHash("sha256").update(data).digest("hex");

// open connects to path, resolving with the socket once it is open and
// what it has seen (recorded from the start: a message may come with the
// handshake's answer), or with the HTTP status the server refused with.
function open(path, options) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(base + path, options);
    const seen = collect(ws);
    ws.on("open", () => resolve({ ws, seen }));
    ws.on("unexpected-response", (req, res) => { resolve({ status: res.statusCode }); req.destroy(); });
    ws.on("error", reject);
  });
}

// collect records every message and the close of ws.
function collect(ws) {
  const seen = { messages: [], pongs: [] };
  ws.on("message", (data, isBinary) => {
    seen.messages.push({ binary: isBinary, length: data.length, sha256: sha(data),
      text: isBinary || data.length > 64 ? undefined : data.toString() });
  });
  ws.on("pong", (data) => seen.pongs.push(data.toString()));
  seen.closed = new Promise((resolve) => ws.on("close", (code, reason) => {
    seen.close = { code, reason: reason.toString() };
    resolve();
  }));
  return seen;
}

function until(seen, n) {
  return new Promise((resolve) => {
    const check = () => (seen.messages.length >= n ? resolve() : setTimeout(check, 5));
    check();
  });
}

async function echo() {
  const { ws, seen } = await open("/echo");
  ws.send("héllo ✓");
  ws.send(Buffer.from([0, 1, 2, 255]), { binary: true });
  ws.send("x".repeat(70000)); // a 64-bit length
  ws.send(Buffer.alloc(1 << 20, 7), { binary: true });
  // Fragmented: the first send opens the message, fin ends it.
  ws.send("frag-", { fin: false });
  ws.ping("between fragments");
  ws.send("ment", { fin: false });
  ws.send("ed ✓", { fin: true });
  const part = Buffer.alloc(300000, 9);
  ws.send(part, { binary: true, fin: false });
  ws.send(part, { binary: true, fin: true });
  ws.send("", {});
  ws.ping("p1");
  await until(seen, 7);
  ws.close(1000, "bye");
  await seen.closed;
  return seen;
}

// closedBy sends what send sends and reports how the server closed.
async function closedBy(path, send) {
  const { ws, seen } = await open(path);
  ws.on("error", () => {});
  send(ws);
  await seen.closed;
  return seen;
}

async function main() {
  const out = {};
  out.echo = await echo();
  out.tooBig = await closedBy("/echo", (ws) => ws.send(Buffer.alloc((2 << 20) + 1), { binary: true }));
  out.tooBigInFragments = await closedBy("/echo", (ws) => {
    ws.send(Buffer.alloc(1 << 20), { binary: true, fin: false });
    ws.send(Buffer.alloc((1 << 20) + 1), { binary: true, fin: true });
  });
  out.badUTF8 = await closedBy("/echo", (ws) => ws.send(Buffer.from([0x63, 0x61, 0x66, 0xe9]), { binary: false }));
  out.serverCloses = await closedBy("/close", () => {});
  out.otherOrigin = (await open("/echo", { origin: "https://evil.example.com" })).status;
  const same = await open("/echo", { origin: base.replace(/^ws/, "http") });
  out.sameOrigin = same.ws ? "open" : same.status;
  if (same.ws) {
    same.ws.close(4000, "done");
    await same.seen.closed;
  }
  console.log(JSON.stringify(out));
  process.exit(0); // sockets the server should have refused may still be open
}

main().catch((err) => { console.error(err); process.exit(1); });
