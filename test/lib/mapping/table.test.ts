import should from "should";
import {
  applyTable,
  exportTable,
  fillTemplate,
  formatSteps,
  formatWhen,
  parseSteps,
  parseTable,
  parseValues,
  parseWhen,
  patternMatches,
  PRESETS,
  validateTable,
  type MappingTable,
} from "../../../nodes/lib/mapping";

const table: MappingTable = {
  name: "test",
  key: "status",
  value: "state",
  rows: [
    { when: { status: "open", current: "closed" }, block: "ticket {{id|?}} is closed" },
    { when: { status: ["open", "new"] }, to: { state: "1", group: "{{group}}" }, note: "opened" },
    { when: { status: "wip*" }, to: { state: "2" } },
    { when: { status: "done", kind: { not: ["request", "change"] } }, to: { state: "6", notes: "closed by {{who|someone}}" } },
    { when: { status: "done" }, steps: [{ state: "6" }, { state: "7" }] },
  ],
};

describe("mapping table engine", function () {
  it("maps a single value as the key field, first matching row wins", function () {
    const r = applyTable(table, "new");
    r.matched.should.be.true();
    r.values.should.eql({ state: "1" });
    r.rows.should.eql([1]);
    r.notes.should.eql(["opened"]);
  });
  it("fills templates from the context; a lone empty template leaves the field out", function () {
    applyTable(table, { status: "open", group: "G1" }).values.should.eql({ state: "1", group: "G1" });
    applyTable(table, { status: "done" }).values.should.eql({ state: "6", notes: "closed by someone" });
    applyTable(table, { status: "done", who: { value: "u1", display_value: "Ann" } }).values.notes.should.equal("closed by u1");
  });
  it("checks guard rows before mapping rows and returns the reason", function () {
    const r = applyTable(table, { status: "open", current: "Closed", id: "T1" });
    r.blocked!.should.equal("ticket T1 is closed");
    r.matched.should.be.false();
    r.values.should.eql({});
  });
  it("honours negated conditions and wildcards", function () {
    applyTable(table, "WIP-2").values.should.eql({ state: "2" });
    const r = applyTable(table, { status: "done", kind: "request" });
    r.steps.should.eql([{ state: "6" }, { state: "7" }]);
    r.values.should.eql({ state: "7" });
  });
  it("reports no match", function () {
    const r = applyTable(table, "other");
    r.matched.should.be.false();
    should(r.blocked).be.undefined();
    r.steps.should.eql([]);
  });
  it("in mode all, every matching row is a step (duplicates once) and values merge", function () {
    const t: MappingTable = {
      name: "all",
      key: "x",
      mode: "all",
      rows: [
        { when: { a: "1" }, to: { op: "Update" } },
        { when: { b: "1" }, to: { op: "Update" } },
        { when: { c: "1" }, to: { op: "Resolve", extra: "y" } },
      ],
    };
    const r = applyTable(t, { a: "1", b: "1", c: "1" });
    r.steps.should.eql([{ op: "Update" }, { op: "Resolve", extra: "y" }]);
    r.values.should.eql({ op: "Resolve", extra: "y" });
    r.rows.should.eql([0, 1, 2]);
  });
  it("patterns: case-insensitive, * any non-empty, empty matches missing", function () {
    patternMatches("Open", "open").should.be.true();
    patternMatches("*", "").should.be.false();
    patternMatches("*", "x").should.be.true();
    patternMatches("", "").should.be.true();
    patternMatches("*>6", "2>6").should.be.true();
    patternMatches("6>*", "2>6").should.be.false();
    patternMatches("a.b", "axb").should.be.false();
  });
  it("templates: default after |, lone template of an empty field is undefined", function () {
    should(fillTemplate("{{x}}", {})).be.undefined();
    should(fillTemplate("{{x|}}", {})).equal("");
    should(fillTemplate("a {{x}} b", { x: 3 })).equal("a 3 b");
    should(fillTemplate("{{o.p}}", { o: { p: "deep" } })).equal("deep");
  });
});

describe("mapping table validation and JSON", function () {
  it("every preset is a valid table", function () {
    for (const [name, t] of Object.entries(PRESETS)) validateTable(t).should.eql([], name);
  });
  it("lists what is wrong with a table", function () {
    validateTable(null).should.eql(["the table must be an object with rows"]);
    validateTable({ key: "", rows: [] }).should.containEql("key (the field a single value is mapped as) is missing");
    validateTable({ key: "k", mode: "some", rows: [] })[0].should.match(/mode must be/);
    validateTable({ key: "k", rows: [{ when: { a: 1 }, to: {} }] })[0].should.match(/condition on a/);
    validateTable({ key: "k", rows: [{ when: {}, to: { a: 1 } }] })[0].should.match(/"to" must be an object of text values/);
    validateTable({ key: "k", rows: {} }).should.eql(["rows must be an array"]);
  });
  it("export then import gives the same table", function () {
    for (const t of Object.values(PRESETS)) parseTable(exportTable(t)).should.eql(t);
  });
  it("import refuses broken JSON and bad tables", function () {
    should.throws(() => parseTable("{not json"));
    should.throws(() => parseTable('{"key":"k","rows":[{"when":{}}]}'), /invalid mapping table: row 1/);
  });
});

describe("row text syntax (what the dialog edits)", function () {
  it("parses conditions with alternatives, negation and empty values", function () {
    parseWhen("status = opened | reopened; incidentState != 7 | 8; group =").should.eql({
      status: ["opened", "reopened"],
      incidentState: { not: ["7", "8"] },
      group: "",
    });
    should.throws(() => parseWhen("status"), /not "field = value"/);
  });
  it("round-trips every preset row through the text form", function () {
    for (const t of Object.values(PRESETS)) {
      for (const row of t.rows) {
        parseWhen(formatWhen(row.when)).should.eql(row.when);
        if (row.steps) parseSteps(formatSteps(row.steps)).should.eql(row.steps);
        else if (row.to && Object.keys(row.to).length) parseValues(formatSteps([row.to])).should.eql(row.to);
      }
    }
  });
  it("keeps = and | inside values", function () {
    parseValues("close_notes = {{close_notes|a=b}}; state = 6").should.eql({ close_notes: "{{close_notes|a=b}}", state: "6" });
  });
});
