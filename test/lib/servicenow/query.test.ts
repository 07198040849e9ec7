import should from "should";
import { andQuery, checkEncodedQuery, condition, eq, orderBy, orQueries, queryValue, stripOrdering } from "../../../nodes/lib/servicenow/query";

describe("servicenow encoded-query builder", () => {
  it("builds an equality condition from a plain value", () => {
    should(eq("correlation_id", "case-123")).equal("correlation_id=case-123");
  });

  it("refuses a value with a caret, which would add conditions of its own", () => {
    should(() => eq("short_description", "x^NQactive=true")).throw({ code: "INPUT_INVALID" });
    should(() => queryValue("a^b")).throw(/contains "\^"/);
  });

  it("refuses a value with a line break", () => {
    should(() => eq("number", "INC1\nactive=true")).throw({ code: "INPUT_INVALID" });
  });

  it("refuses a field name that is not a ServiceNow field", () => {
    should(() => eq("number=1^ORactive", "x")).throw({ code: "INPUT_INVALID" });
    should(() => condition("Number", "=", "x")).throw({ code: "INPUT_INVALID" });
  });

  it("checks every item of an IN list, commas inside an item included", () => {
    should(condition("state", "IN", ["1", "2"])).equal("stateIN1,2");
    should(() => condition("state", "IN", ["1", "2,3"])).throw({ code: "INPUT_INVALID" });
    should(() => condition("state", "IN", ["1", "2^NQx=1"])).throw({ code: "INPUT_INVALID" });
  });

  it("writes operators without a value and BETWEEN bounds", () => {
    should(condition("correlation_id", "ISEMPTY")).equal("correlation_idISEMPTY");
    should(condition("priority", "BETWEEN", ["1", "3"])).equal("priorityBETWEEN1@3");
  });

  it("ANDs conditions onto every ^NQ group of the integrator's query", () => {
    should(andQuery("active=true^NQstate=6", "sys_updated_on>=2024-01-01 00:00:00")).equal(
      "active=true^sys_updated_on>=2024-01-01 00:00:00^NQstate=6^sys_updated_on>=2024-01-01 00:00:00",
    );
  });

  it("ANDs onto an empty query and drops the base's ordering", () => {
    should(andQuery("", "a=1", undefined, "b=2")).equal("a=1^b=2");
    should(andQuery("active=true^ORDERBYDESCnumber", "a=1")).equal("active=true^a=1");
    should(stripOrdering("ORDERBYnumber^active=true")).equal("active=true");
  });

  it("ORs whole queries and appends ordering", () => {
    should(orderBy(orQueries("a=1", "b=2"), "sys_updated_on", { field: "sys_id", desc: true })).equal("a=1^NQb=2^ORDERBYsys_updated_on^ORDERBYDESCsys_id");
  });

  it("accepts a well-formed integrator query and rejects a stray term", () => {
    should(checkEncodedQuery("active=true^priorityIN1,2^ORurgency=1^ORDERBYnumber")).equal("active=true^priorityIN1,2^ORurgency=1^ORDERBYnumber");
    should(() => checkEncodedQuery("active=true^ hello")).throw({ code: "INPUT_INVALID" });
  });
});
