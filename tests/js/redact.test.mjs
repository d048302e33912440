// The npm package's URL redaction (js/errors.js `redactUrl`, what its errors show) against the
// shared rules fixture, as the Rust face's `redact_url` is held to it (tests/conformance.rs).
import assert from "node:assert/strict";
import { test } from "node:test";
import rules from "../conformance/rules.js";
import { invalidUrl, redactUrl } from "../../js/errors.js";

test("URLs are shown without userinfo, query or fragment (the shared fixture)", () => {
  assert.ok(rules.redactions.length >= 10);
  for (const [given, shown] of rules.redactions) assert.equal(redactUrl(given), shown, given);
});

test("an InvalidUrl error keeps the secrets out of its message, url and reason", () => {
  const given = "ftp://alice:hunter2@h/p?token=SECRET";
  const e = invalidUrl(given, `SyntaxError: The URL '${given}' is invalid.`);
  for (const text of [e.message, e.url, e.reason, JSON.stringify(e)]) {
    assert.ok(!/hunter2|SECRET/.test(text), text);
  }
  assert.equal(e.url, "ftp://h/p?…");
  assert.equal(e.reason, "SyntaxError: The URL 'ftp://h/p?…' is invalid.");
});
