// connect()'s `codec: "json"`: values in, values out. A message is decoded where the app takes
// it (a read, `for await`, a `message` event), after the receive limit counted its bytes; one
// that does not decode is a `Decode` error handed in its place, and the messages go on (the
// Rust face's `Typed` yields `Err(Error::Decode)` and goes on the same way).
import * as E from "./errors.js";

const utf8 = new TextDecoder();

/** The codecs by name: `decode(data)` gives the value (or the `Decode` error), `encode(value)`
 * the data to send (or throws `Encode`). */
const CODECS = {
  json: {
    decode(data) {
      try {
        return JSON.parse(typeof data === "string" ? data : utf8.decode(data));
      } catch (e) {
        return E.fail("Decode", `a received message did not decode: ${e.message}`, { reason: e.message, data });
      }
    },
    encode(value) {
      let text;
      try {
        text = JSON.stringify(value);
      } catch (e) {
        throw E.fail("Encode", `a message to send did not encode: ${e.message}`, { reason: e.message });
      }
      if (text === undefined) throw E.fail("Encode", "a message to send did not encode: not a JSON value", { reason: "not a JSON value" });
      return text;
    },
  },
};

/** The codec `options.codec` names, or null for none; a name it does not know is a TypeError. */
export function codecOf(options) {
  const name = options.codec;
  if (name === undefined) return null;
  if (!Object.hasOwn(CODECS, name)) throw E.typeError(`unknown codec ${JSON.stringify(name)} (known: json)`);
  return CODECS[name];
}
