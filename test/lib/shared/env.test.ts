import should from "should";
import { given, isUnresolved, numberSetting, setting } from "../../../nodes/shared/env";
import { isPersistentStore } from "../../../nodes/shared/context";
import { redact, registerSecret } from "../../../nodes/lib/redact";
import type { NodeRedRuntime } from "../../../nodes/shared/types";

describe("settings from the environment", function () {
  const saved = { ...process.env };
  afterEach(() => {
    for (const k of ["CX_TEST_URL", "CX_OTHER"]) if (saved[k] === undefined) delete process.env[k];
  });

  it("treats an unresolved ${VAR} as not given", function () {
    should(isUnresolved("${SNOW_URL}")).be.true();
    should(given("${SNOW_URL}")).be.undefined();
    should(given("  ")).be.undefined();
    should(given("https://x")).equal("https://x");
  });

  it("falls back to the contract's variable, then to the default", function () {
    delete process.env.CX_TEST_URL;
    should(setting("${CX_TEST_URL}", "CX_TEST_URL", "fallback")).equal("fallback");
    process.env.CX_TEST_URL = "http://from-env";
    should(setting("${CX_TEST_URL}", "CX_TEST_URL", "fallback")).equal("http://from-env");
    should(setting("", "CX_TEST_URL")).equal("http://from-env");
    should(setting("http://typed", "CX_TEST_URL")).equal("http://typed");
  });

  it("reads the variable a ${NAME} placeholder names, when credentials came without substitution", function () {
    process.env.CX_OTHER = "secret-from-env";
    should(setting("${CX_OTHER}", undefined)).equal("secret-from-env");
  });

  it("keeps numbers in range and uses the default for rubbish", function () {
    should(numberSetting("${NOPE_NOT_SET}", undefined, 60, 1)).equal(60);
    should(numberSetting("0", undefined, 60, 1)).equal(1);
    should(numberSetting("abc", undefined, 60, 1)).equal(60);
    should(numberSetting("5", undefined, 60, 1)).equal(5);
  });
});

describe("context store persistence", function () {
  const red = (contextStorage: unknown) => ({ settings: { contextStorage } }) as unknown as NodeRedRuntime;
  it("says memory (or no configuration) is not persistent and localfilesystem is", function () {
    should(isPersistentStore(red(undefined))).be.false();
    should(isPersistentStore(red({ default: { module: "memory" } }))).be.false();
    should(isPersistentStore(red({ default: { module: "localfilesystem" } }))).be.true();
    should(isPersistentStore(red({ default: "file", file: { module: "localfilesystem" } }))).be.true();
    should(isPersistentStore(red({ default: { module: "memory" }, file: { module: "localfilesystem" } }), "file")).be.true();
  });
});

describe("redaction", function () {
  it("hides registered secrets and credential-looking parameters", function () {
    registerSecret("my-very-secret");
    should(redact("key my-very-secret here")).equal("key *** here");
    should(redact("https://x/y?X-Amz-Signature=abcdef&a=1")).equal("https://x/y?X-Amz-Signature=***&a=1");
    should(redact('{"x-api-key":"abc123"}')).equal('{"x-api-key":"***"}');
  });
});
