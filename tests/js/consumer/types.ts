// Uses every member of the public types: `tsc --noEmit --strict` must accept it.
import init, {
  connect, install, liveListeners, Socket, type SocketOptions, type CloseInfo, type ConnectOptions, type Data, type SockwaveError,
  type SendData, type ReconnectEvent, type DisconnectEvent, type InFlight, type Connection,
} from "sockwave";
import { Client, type CallError, type Notified } from "sockwave/rpc";

/** `codec: "json"`: typed values both ways; the calls entry over a socket. */
export async function typed(): Promise<void> {
  interface Said { text: string }
  const chat = await connect<Said, { say: string }>("ws://127.0.0.1:9998/echo", { codec: "json" });
  await chat.send({ say: "hi" });
  for await (const m of chat) {
    if (m instanceof Error) console.log(m.name, m.data);
    else console.log(m.text.toUpperCase());
  }
  const client = new Client(await connect("ws://127.0.0.1:9998/rpc"), { timeoutMs: 5000 });
  const sum: number = await client.call<number>("add", [2, 3], { timeoutMs: 100, idempotent: true });
  await client.notify("hello", { n: sum });
  for await (const item of client.notifications()) {
    const n: Notified = item;
    if (n.type === "notification") console.log(n.method, n.params);
    else if (n.type === "missed") console.log(n.count);
    else console.log(n.reason, n.data);
  }
  try {
    await client.call("transfer");
  } catch (e) {
    const err = e as CallError;
    if (err.name === "Disconnected" && err.handed) console.log("maybe done");
  }
  await client.close();
}

export async function everything(): Promise<void> {
  await init();
  const listeners: number = liveListeners();
  console.log(listeners);
  const options: ConnectOptions = { protocols: ["chat.v2"], highWaterMark: 1 << 20, connectTimeoutMs: 5000 };
  const ws: Connection = await connect("ws://127.0.0.1:9998/echo", options);
  const fromFn: Connection = await connect(async () => "ws://127.0.0.1:9998/echo", { reconnect: {}, closeOnPagehide: false });
  fromFn.reconnect();
  await fromFn.close();
  const payloads: SendData[] = ["hello", new Uint8Array([1]), new ArrayBuffer(2), new DataView(new ArrayBuffer(1))];
  for (const p of payloads) await ws.send(p);
  for await (const msg of ws) {
    const m: Data = msg;
    if (typeof m === "string") m.toUpperCase(); else m.byteLength.toFixed();
    break;
  }
  const r: IteratorResult<Data, undefined> = await ws.nextMessage();
  if (!r.done) console.log(r.value);
  const v: Data | undefined = await ws.nextValue();
  if (v !== undefined) console.log(v);
  const t: Data | undefined | null = ws.takeValue();
  if (t !== null && t !== undefined) console.log(t);
  const states: number[] = [ws.readyState, ws.CONNECTING, ws.OPEN, ws.CLOSING, ws.CLOSED, Socket.OPEN];
  const info: [number, string, string, string] = [ws.bufferedAmount, ws.url, ws.protocol, ws.extensions];
  const ev: CloseInfo = await ws.close(4000, "bye");
  const again: CloseInfo = await ws.closed;
  console.log(states, info, ev.code, ev.reason, ev.wasClean, again);

  // The standard Socket, as the engine's WebSocket; installable in its place.
  const s = new Socket("ws://127.0.0.1:9998/echo", ["chat.v2"]);
  s.binaryType = "arraybuffer";
  s.onopen = () => { s.send("Message to send"); s.send(new Blob(["b"])); };
  s.onmessage = (e: MessageEvent) => console.log(e.data);
  s.onerror = (e: Event) => console.log(e.type);
  s.onclose = (e: CloseEvent) => console.log(e.code, e.reason, e.wasClean);
  const onMsg = (e: MessageEvent) => console.log(e.data);
  s.addEventListener("message", onMsg);
  s.removeEventListener("message", onMsg);
  s.addEventListener("close", (e) => console.log(e.code), { once: true });
  const standard: [number, number, string, string, string, "blob" | "arraybuffer"] =
    [s.readyState, s.bufferedAmount, s.url, s.protocol, s.extensions, s.binaryType];
  console.log(standard, s.CLOSED, Socket.CONNECTING);
  s.close();
  const asGlobal: typeof WebSocket = Socket;
  const redial: SocketOptions = { reconnect: { maxRetries: 3, queueLimit: 16 }, heartbeat: { intervalMs: 1000 } };
  const redialing = new Socket("ws://127.0.0.1:9998/echo", [], redial);
  redialing.send("queued until open");
  redialing.reconnect?.();
  const restore: () => void = install(redial);
  restore();
  console.log(asGlobal);
  const conn: Connection = ws;
  conn.onmessage = (e: MessageEvent<Data>) => console.log(e.data);

  const auto = await connect("ws://127.0.0.1:9998/echo", {
    reconnect: { minDelayMs: 100, maxDelayMs: 5000, factor: 2, jitter: "full", maxRetries: 10, queueLimit: 64,
      shouldReconnect: (c: CloseInfo) => c.code !== 4401 },
    heartbeat: { intervalMs: 1000, timeoutMs: 500, ping: "ping", pong: "pong" },
    idleTimeoutMs: 10000,
  });
  auto.onreconnect = (e: ReconnectEvent) => console.log(e.attempt, e.delayMs);
  auto.ondisconnect = (e: DisconnectEvent) => { const f: InFlight = e.inFlight; console.log(e.code, f.firstSeq, f.messages, f.bytes, f.unsentBytes); };
  auto.addEventListener("reconnect", (e) => console.log(e.attempt));
  auto.addEventListener("disconnect", (e) => console.log(e.inFlight.messages));

  try {
    await connect("ws://");
  } catch (err) {
    const e = err as SockwaveError;
    if (e.name === "InvalidUrl") console.log(e.url, e.reason);
    if (e.name === "ConnectionLost") console.log(e.closeEvent?.code, e.code);
    console.log(e.protocol, e.length, e.attempts, e.limit);
  }
}
