import should from "should";
import { SimClock } from "../../../sandbox/common/clock";
import { FaultInjector } from "../../../sandbox/common/faults";

describe("sandbox SimClock", function () {
  it("moves forward by what advance() adds", function () {
    const clock = new SimClock({ frozen: true, start: 1_000_000 });
    should(clock.now()).equal(1_000_000);
    clock.advance(30_000);
    should(clock.now()).equal(1_030_000);
  });

  it("refuses to go backwards", function () {
    const clock = new SimClock();
    should(() => clock.advance(-1)).throw(RangeError);
  });
});

describe("sandbox FaultInjector", function () {
  it("applies a counted 5xx rule to matching requests only, then forgets it", function () {
    const faults = new FaultInjector();
    faults.add({ kind: "status", status: 502, pathPrefix: "/api", count: 1 });
    should(faults.decide("GET", "/other").respond).be.undefined();
    should(faults.decide("GET", "/api/x").respond).eql({ status: 502, body: "Service Unavailable" });
    should(faults.decide("GET", "/api/x").respond).be.undefined();
  });
});
