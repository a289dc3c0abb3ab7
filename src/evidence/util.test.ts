import { test } from "node:test";
import assert from "node:assert/strict";
import { getKey, hasKey } from "./util.js";

test("getKey and hasKey: exact spelling first, then ASCII case-insensitively; other characters must match", () => {
  const o = { vnetSubnetID: "a", "@odata.type": "b", resource_group: "c", "x-y": "d", Nothing: null, exact: "e", EXACT: "f" };
  const cases: [string[], unknown][] = [
    [["vnetSubnetId"], "a"],
    [["VNETSUBNETID"], "a"],
    [["@ODATA.TYPE"], "b"],
    [["`odata.type"], undefined], // '@' and '`' differ only in bit 0x20, but are not letters
    [["resource-group"], undefined],
    [["RESOURCE_GROUP"], "c"],
    [["x_y"], undefined],
    [["nothing"], undefined], // null counts as absent
    [["exact"], "e"], // the exact spelling wins over a case variant
    [["missing", "EXACT"], "f"],
    [["vnetSubnetI"], undefined], // lengths differ
  ];
  for (const [names, want] of cases) assert.equal(getKey(o, ...names), want, names.join(","));
  assert.equal(hasKey(o, "NOTHING"), true, "present with null");
  assert.equal(hasKey(o, "X-Y"), true);
  assert.equal(hasKey(o, "x_y"), false);
});
