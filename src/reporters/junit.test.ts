import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { failingReport, healthyReport, makeFinding, makeReport } from "./fixtures.js";
import { renderJunit, stripIllegalXml, xmlAttr } from "./junit.js";

// ---- a small, strict XML 1.0 well-formedness checker (elements, attributes, text, references; no DTD) ----

interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_.:-]*$/;
// eslint-disable-next-line no-control-regex
const ILLEGAL = /[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/u;
const PREDEFINED: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

function decodeRefs(raw: string, where: string): string {
  return raw.replace(/&([^;]*);?/g, (whole, ref: string) => {
    if (!whole.endsWith(";")) throw new Error(`bare & in ${where}`);
    if (ref in PREDEFINED) return PREDEFINED[ref] ?? "";
    const m = /^#(?:x([0-9a-fA-F]+)|([0-9]+))$/.exec(ref);
    if (!m) throw new Error(`unknown entity &${ref}; in ${where}`);
    const cp = m[1] !== undefined ? parseInt(m[1], 16) : Number(m[2]);
    const ch = String.fromCodePoint(cp);
    if (ILLEGAL.test(ch)) throw new Error(`reference to an illegal character ${cp} in ${where}`);
    return ch;
  });
}

/** Parses `xml` or throws on the first well-formedness error. Returns the root element. */
export function parseXmlStrict(xml: string): XmlElement {
  if (ILLEGAL.test(xml)) throw new Error("illegal XML character");
  let i = 0;
  const decl = /^<\?xml version="1\.0" encoding="UTF-8"\?>\n/.exec(xml);
  if (decl) i = decl[0].length;
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  const addText = (raw: string): void => {
    if (raw.includes(">") && raw.includes("]]>")) throw new Error("]]> in text");
    const top = stack[stack.length - 1];
    if (!top) {
      if (raw.trim() !== "") throw new Error("text outside the root element");
      return;
    }
    top.text += decodeRefs(raw, `<${top.name}>`);
  };
  while (i < xml.length) {
    const lt = xml.indexOf("<", i);
    if (lt === -1) {
      addText(xml.slice(i));
      break;
    }
    addText(xml.slice(i, lt));
    if (xml.startsWith("</", lt)) {
      const gt = xml.indexOf(">", lt);
      if (gt === -1) throw new Error("unterminated end tag");
      const name = xml.slice(lt + 2, gt).trim();
      const top = stack.pop();
      if (!top || top.name !== name) throw new Error(`</${name}> closes <${top?.name ?? "nothing"}>`);
      i = gt + 1;
      continue;
    }
    if (xml.startsWith("<!--", lt)) {
      const end = xml.indexOf("-->", lt + 4);
      if (end === -1 || xml.slice(lt + 4, end).includes("--")) throw new Error("bad comment");
      i = end + 3;
      continue;
    }
    if (xml.startsWith("<!", lt) || xml.startsWith("<?", lt)) throw new Error("unexpected markup declaration");
    // start tag: name, attributes, optional self-closing slash
    const m = /^<([^\s/>]+)((?:\s+[^\s=/>]+\s*=\s*(?:"[^"<]*"|'[^'<]*'))*)\s*(\/?)>/.exec(xml.slice(lt));
    if (!m) throw new Error(`malformed start tag at ${lt}: ${xml.slice(lt, lt + 40)}`);
    const name = m[1] ?? "";
    if (!NAME.test(name)) throw new Error(`bad element name ${name}`);
    const attrs: Record<string, string> = {};
    for (const a of (m[2] ?? "").matchAll(/\s+([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) {
      const an = a[1] ?? "";
      if (!NAME.test(an)) throw new Error(`bad attribute name ${an}`);
      if (an in attrs) throw new Error(`duplicate attribute ${an} on <${name}>`);
      attrs[an] = decodeRefs(a[2] ?? a[3] ?? "", `${name}@${an}`);
    }
    const el: XmlElement = { name, attrs, children: [], text: "" };
    const parent = stack[stack.length - 1];
    if (parent) parent.children.push(el);
    else if (root) throw new Error("a second root element");
    else root = el;
    if (m[3] !== "/") stack.push(el);
    i = lt + m[0].length;
  }
  if (stack.length > 0) throw new Error(`<${stack[stack.length - 1]?.name}> is not closed`);
  if (!root) throw new Error("no root element");
  return root;
}

const kids = (el: XmlElement, name: string): XmlElement[] => el.children.filter((c) => c.name === name);

describe("parseXmlStrict (the checker itself)", () => {
  it("accepts well-formed XML and decodes references", () => {
    const r = parseXmlStrict(`<?xml version="1.0" encoding="UTF-8"?>\n<a x="1 &amp; &#10;2"><b/>t&lt;&#x41;</a>\n`);
    assert.equal(r.attrs["x"], "1 & \n2");
    assert.equal(r.text, "t<A");
    assert.equal(r.children.length, 1);
  });

  it("rejects what is not well-formed", () => {
    for (const bad of [
      "<a><b></a></b>",
      '<a x="1" x="2"/>',
      "<a>&nbsp;</a>",
      "<a>& b</a>",
      "<a>\u0001</a>",
      "<a>&#1;</a>",
      '<a x="<"/>',
      "<a/><b/>",
      "<a>",
      "text<a/>",
      "<a>]]></a>",
      "<1a/>",
    ]) {
      assert.throws(() => parseXmlStrict(bad), Error, JSON.stringify(bad));
    }
  });
});

describe("renderJunit: failing report", () => {
  const xml = renderJunit(failingReport());
  const root = parseXmlStrict(xml);
  const suites = kids(root, "testsuite");

  it("is a well-formed document: <testsuites> with one <testsuite> per stage, in flow order", () => {
    assert.ok(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites '));
    assert.ok(xml.endsWith("</testsuites>\n"));
    assert.equal(root.name, "testsuites");
    assert.deepEqual(
      suites.map((s) => s.attrs["name"]),
      [
        "Identity (service principal / managed identity)",
        "RBAC (who may pull, at which scope)",
        "Network (DNS, firewall, Private Link, egress)",
        "Registry configuration",
        "Image reference and platform",
        "External registries",
      ],
    );
  });

  it("counts tests, failures and skipped per suite and in total, and the counts match the cases", () => {
    // 3 errors + 2 warnings fail, the info finding passes, 2 unknowns are skipped, 3 checks passed
    assert.deepEqual(
      { tests: root.attrs["tests"], failures: root.attrs["failures"], skipped: root.attrs["skipped"], errors: root.attrs["errors"] },
      { tests: "11", failures: "5", skipped: "2", errors: "0" },
    );
    const perSuite = suites.map((s) => [s.attrs["tests"], s.attrs["failures"], s.attrs["skipped"]].join("/"));
    assert.deepEqual(perSuite, ["3/2/1", "2/2/0", "2/1/1", "3/0/0", "1/0/0", "0/0/0"]);
    for (const s of suites) {
      const cases = kids(s, "testcase");
      assert.equal(String(cases.length), s.attrs["tests"]);
      assert.equal(String(cases.filter((c) => kids(c, "failure").length === 1).length), s.attrs["failures"]);
      assert.equal(String(cases.filter((c) => kids(c, "skipped").length === 1).length), s.attrs["skipped"]);
    }
  });

  it("writes each failure with the code as type, the title as message, and message, evidence and fix in the body", () => {
    const rbac = suites[1];
    assert.ok(rbac);
    const missing = kids(rbac, "testcase").find((c) => c.attrs["classname"] === "pulldoctor.rbac.rbac-pull-role-missing");
    assert.ok(missing);
    assert.equal(missing.attrs["name"], "RBAC_PULL_ROLE_MISSING: Kubelet identity cannot pull from acrprod [acrprod]");
    const failure = kids(missing, "failure")[0];
    assert.ok(failure);
    assert.equal(failure.attrs["type"], "RBAC_PULL_ROLE_MISSING");
    assert.equal(failure.attrs["message"], "Kubelet identity cannot pull from acrprod");
    assert.match(failure.text, /No role assignment grants registries\/pull\/read to the kubelet identity/);
    assert.match(failure.text, /Evidence:\n {2}role-assignments\.json \$\[\*\]\.principalId: \(none for 1111-2222\)/);
    assert.match(failure.text, /Fix:\n {2}az role assignment create --assignee 1111-2222 --role AcrPull --scope \/subscriptions\/.*\n {2}kubectl rollout restart deployment\/api -n shop/);
  });

  it("skips unknowns with their reason, keeps an info finding and passed checks as plain cases", () => {
    const network = suites[2];
    assert.ok(network);
    const skipped = kids(network, "testcase").flatMap((c) => kids(c, "skipped"));
    assert.deepEqual(skipped.map((s) => s.attrs["message"]), ["could not check: 403 reading private DNS zones: needs Microsoft.Network/privateDnsZones/read"]);
    const registry = suites[3];
    assert.ok(registry);
    const info = kids(registry, "testcase").find((c) => (c.attrs["name"] ?? "").startsWith("CFG_ANONYMOUS_PULL_ENABLED"));
    assert.ok(info);
    assert.equal(kids(info, "failure").length, 0);
    assert.match(kids(info, "system-out")[0]?.text ?? "", /Anyone can pull from acrprod/);
    const passed = kids(registry, "testcase").find((c) => c.attrs["name"] === "Admin user disabled");
    assert.ok(passed);
    assert.equal(passed.children.filter((c) => c.name !== "system-out").length, 0);
  });

  it("is deterministic", () => {
    assert.equal(renderJunit(failingReport()), xml);
  });
});

describe("renderJunit: healthy report", () => {
  it("has only passing cases", () => {
    const root = parseXmlStrict(renderJunit(healthyReport()));
    assert.deepEqual([root.attrs["tests"], root.attrs["failures"], root.attrs["skipped"]], ["2", "0", "0"]);
    assert.equal(kids(root, "testsuite").length, 6);
  });
});

describe("renderJunit: untrusted text", () => {
  const hostile = makeReport({
    findings: [
      makeFinding({
        code: "PULL_FAILURE_UNCLASSIFIED",
        stage: "image",
        title: `"quoted" & 'single' <b>bold</b> ]]> \u0001\u001b[31mred\u001b[0m \uFFFE\ud800`,
        message: `line1\nline2 </failure></testcase><testcase name="injected"> &amp;`,
        subject: `pod/a/b"c`,
        evidence: [{ source: "events.json", path: "$", observed: `<![CDATA[x]]>\u0000`, expected: "\t tab" }],
        remediation: [`echo "</failure>"`],
      }),
    ],
    unknown: [{ check: `<skipped/>`, rule: "r", stage: "image", reason: `"><testcase name="x"/>` }],
  });
  const xml = renderJunit(hostile);

  it("stays well-formed, with nothing injected, and the text reads back as written (minus illegal characters)", () => {
    const root = parseXmlStrict(xml);
    const suite = kids(root, "testsuite")[4];
    assert.ok(suite);
    const cases = kids(suite, "testcase");
    assert.equal(cases.length, 2, "no injected testcase");
    const failure = kids(cases[0] ?? { name: "", attrs: {}, children: [], text: "" }, "failure")[0];
    assert.ok(failure);
    assert.equal(failure.attrs["message"], `"quoted" & 'single' <b>bold</b> ]]> red `);
    assert.match(failure.text, /line2 <\/failure><\/testcase><testcase name="injected"> &amp;/);
    assert.match(failure.text, /<!\[CDATA\[x\]\]>/);
    assert.match(failure.text, /echo "<\/failure>"/);
    assert.equal(kids(cases[1] ?? { name: "", attrs: {}, children: [], text: "" }, "skipped")[0]?.attrs["message"], `could not check: "><testcase name="x"/>`);
    assert.equal(root.attrs["failures"], "1");
    assert.equal(root.attrs["skipped"], "1");
  });

  it("xmlAttr keeps line breaks and tabs as references; stripIllegalXml drops what XML 1.0 forbids", () => {
    assert.equal(xmlAttr(`a\nb\tc"d'e<f>&`), "a&#10;b&#9;c&quot;d&apos;e&lt;f&gt;&amp;");
    assert.equal(stripIllegalXml("a\u0000b\u0008c\u000bd\ufffe\uffffe\ud800f\u{1F600}g\u0085h"), "abcdef\u{1F600}g\u0085h");
  });
});
