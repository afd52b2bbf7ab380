// A device written on the ws npm package, for browser_test.go: it syncs
// with the WebSocket at argv[2], tells the test at argv[3] once it has
// the list (the test answers once every device has), adds its item, and
// prints the list as one JSON object once it holds every item in argv[4].
"use strict";
const WebSocket = require("ws");

const [url, base, wantList] = process.argv.slice(2);
const want = wantList.split(",");
let items = [];
const timer = setTimeout(() => {
  console.log(JSON.stringify({ error: "timed out", items }));
  process.exit(1);
}, 20000);

const ws = new WebSocket(url);
ws.on("message", async (data) => {
  const m = JSON.parse(data);
  if (m.error || m.end) {
    console.log(JSON.stringify({ error: "the stream ended: " + data, items }));
    process.exit(1);
  }
  const ev = m.result;
  if (ev.op === "list") {
    items = ev.items || [];
    await fetch(base + "/live?name=node");
    ws.send(JSON.stringify({ op: "add", item: "from node" }));
  } else if (ev.op === "add" && !items.includes(ev.item)) {
    items.push(ev.item);
  } else if (ev.op === "remove") {
    items = items.filter((i) => i !== ev.item);
  }
  if (want.every((w) => items.includes(w))) {
    clearTimeout(timer);
    console.log(JSON.stringify({ items }));
    ws.send(""); // this side is done
    ws.close(1000);
  }
});
ws.on("error", (err) => {
  console.log(JSON.stringify({ error: String(err), items }));
  process.exit(1);
});
