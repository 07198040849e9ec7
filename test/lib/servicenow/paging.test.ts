import should from "should";
import { nextPageOffset, parseLinkHeader } from "../../../nodes/lib/servicenow/paging";

describe("servicenow paging", () => {
  const link =
    '<https://x.service-now.com/api/now/table/incident?sysparm_limit=2&sysparm_offset=0>;rel="first",<https://x.service-now.com/api/now/table/incident?sysparm_limit=2&sysparm_offset=2>;rel="next",<https://x.service-now.com/api/now/table/incident?sysparm_limit=2&sysparm_offset=4>;rel="last"';

  it("reads the rels of a Link header", () => {
    const links = parseLinkHeader(link);
    should(Object.keys(links).sort()).eql(["first", "last", "next"]);
    should(links.next).endWith("sysparm_offset=2");
  });

  it("follows X-Total-Count to the last page", () => {
    should(nextPageOffset({ offset: 0, limit: 1000, received: 1000, headers: { "x-total-count": "2500" } })).equal(1000);
    should(nextPageOffset({ offset: 2000, limit: 1000, received: 500, headers: { "x-total-count": "2500" } })).equal(undefined);
  });

  it("follows the Link header's next when there is no count", () => {
    should(nextPageOffset({ offset: 0, limit: 2, received: 2, headers: { link } })).equal(2);
    const lastPage = '<https://x/api/now/table/incident?sysparm_limit=2&sysparm_offset=0>;rel="first",<https://x/api/now/table/incident?sysparm_limit=2&sysparm_offset=4>;rel="last"';
    should(nextPageOffset({ offset: 4, limit: 2, received: 1, headers: { link: lastPage } })).equal(undefined);
  });

  it("asks again after a full page when the answer has no paging headers", () => {
    should(nextPageOffset({ offset: 0, limit: 10, received: 10, headers: {} })).equal(10);
    should(nextPageOffset({ offset: 10, limit: 10, received: 3, headers: {} })).equal(undefined);
    should(nextPageOffset({ offset: 10, limit: 10, received: 0, headers: { "x-total-count": "99" } })).equal(undefined);
  });
});
