// The npm package's .wasm: the machine that decides (src/machine/, built by js/rules/) and the
// subprotocol rule. Loaded when first needed, synchronously, from the bytes the package ships
// inside pkg/web/wasm.js: nothing to await, no file to serve or copy, the same in a page, a
// worker, Node and every bundler. Only numbers cross (js/rules/lib.rs lists them).
import bytes from "../pkg/web/wasm.js";

let wasm;

/** The module's exports, instantiated on first use. */
export function w() {
  if (wasm) return wasm;
  // Hex (scripts/build.sh says why): two characters a byte. The module imports nothing.
  const code = new Uint8Array(bytes.length / 2);
  for (let i = 0; i < code.length; i++) code[i] = parseInt(bytes.substr(2 * i, 2), 16);
  wasm = new WebAssembly.Instance(new WebAssembly.Module(code)).exports;
  return wasm;
}

let slot; // the machine's place in the .wasm's memory, for the length of a call

/** Runs `call(wasm)` on the machine whose bytes are `machine` (a Uint8Array of machineSize()
 * bytes, kept by its socket): the .wasm keeps no machine between calls (js/rules/lib.rs
 * `SLOT` says why), so they are copied in first (unless `fresh`: machineNew makes one) and
 * back after. */
export function withMachine(machine, call, fresh = false) {
  const m = w();
  slot ??= new Uint8Array(m.memory.buffer, m.machineSlot(), m.machineSize());
  if (!fresh) slot.set(machine);
  const result = call(m);
  machine.set(slot);
  return result;
}

const texts = [];
/** The text of a reason the machine chose (its number as the ABI gives it). */
export function reasonText(n) {
  if (texts[n] === undefined) {
    let s = "";
    for (let i = 0, c; (c = w().reasonText(n, i)); i++) s += String.fromCharCode(c);
    texts[n] = s;
  }
  return texts[n];
}

/** A default of the machine's, by `Policy` (abi.js). */
export const policyDefault = (what) => w().policyDefault(what);
