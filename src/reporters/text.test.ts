import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { makeFinding } from "./fixtures.js";
import { findingsInFlowOrder, noErrorLine, sanitizeLine, sanitizeMultiline, summaryLine } from "./text.js";

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;

describe("sanitize", () => {
  const hostile = [
    "\u001b[2J\u001b[H", // clear screen, cursor home
    "\u001b[31;1mred\u001b[0m",
    "\u001b]0;pwned\u0007", // set window title (BEL)
    "\u001b]8;;https://evil.example\u001b\\link\u001b]8;;\u001b\\", // hyperlink (ST)
    "\u001bP1$r0m\u001b\\", // DCS
    "\u009b2J", // 8-bit CSI
    "\u001bc", // RIS: full reset
    "a\rb", // carriage return overwrites the line
    "back\bspace\u0007bell\u007f",
    "\u202eevil\u202c", // bidi override
  ];

  it("strips escape sequences and control characters", () => {
    for (const s of hostile) {
      const out = sanitizeLine(s);
      assert.doesNotMatch(out, CONTROL, JSON.stringify(s));
      assert.ok(!out.includes("\u001b"), JSON.stringify(s));
      assert.doesNotMatch(out, /[\u202a-\u202e\u2066-\u2069]/);
    }
    assert.equal(sanitizeLine("\u001b[31;1mred\u001b[0m"), "red");
    assert.equal(sanitizeLine("\u001b]0;pwned\u0007ok"), "ok");
    assert.equal(sanitizeLine("\u001b]8;;https://evil.example\u001b\\link\u001b]8;;\u001b\\"), "link");
  });

  it("keeps ordinary text, including non-ASCII, and normalises line breaks", () => {
    assert.equal(sanitizeLine("Failed to pull image \"acr.azurecr.io/app:1\": 401 Unauthorized — ✓ ü 日本"), "Failed to pull image \"acr.azurecr.io/app:1\": 401 Unauthorized — ✓ ü 日本");
    assert.equal(sanitizeMultiline("a\r\nb\rc\nd\u2028e"), "a\nb\nc\nd\ne");
    assert.equal(sanitizeLine("a\nb\tc"), "a b c");
  });
});

describe("ordering and counts", () => {
  it("groups by STAGES order and puts errors before warnings before infos, stably", () => {
    const groups = findingsInFlowOrder([
      makeFinding({ code: "IMG_TAG_NOT_FOUND", stage: "image", subject: "1" }),
      makeFinding({ code: "CFG_ANONYMOUS_PULL_ENABLED", stage: "registry", subject: "2" }),
      makeFinding({ code: "CFG_ADMIN_USER_ENABLED", stage: "registry", subject: "3" }),
      makeFinding({ code: "CFG_REGISTRY_NOT_FOUND", stage: "registry", subject: "4" }),
      makeFinding({ code: "CFG_SKU_FEATURE_MISMATCH", stage: "registry", subject: "5" }),
      makeFinding({ code: "SP_DISABLED", stage: "identity", subject: "6" }),
    ]);
    assert.deepEqual(
      groups.map((g) => [g.stage, g.items.map((f) => f.subject)]),
      [
        ["identity", ["6"]],
        ["registry", ["4", "5", "3", "2"]],
        ["image", ["1"]],
      ],
    );
  });

  it("says how many of each", () => {
    assert.equal(summaryLine({ errors: 2, warnings: 1, infos: 0, unknown: 3, passed: 12 }), "2 errors, 1 warning, 3 unknown, 12 passed");
    assert.equal(summaryLine({ errors: 1, warnings: 0, infos: 2, unknown: 0, passed: 1 }), "1 error, 0 warnings, 2 infos, 0 unknown, 1 passed");
  });

  it("never claims a clean bill of health while checks could not run", () => {
    assert.match(noErrorLine({ errors: 0, warnings: 0, infos: 0, unknown: 0, passed: 4 }), /^No error found; every check could run\.$/);
    const withUnknown = noErrorLine({ errors: 0, warnings: 1, infos: 0, unknown: 2, passed: 4 });
    assert.match(withUnknown, /^No error found/);
    assert.match(withUnknown, /2 checks could not be run/);
    assert.match(withUnknown, /1 warning/);
  });
});
