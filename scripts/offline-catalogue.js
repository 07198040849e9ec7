// Preloaded (NODE_OPTIONS=--require) into `node-red-dev validate`: the flows
// catalogue host is not reachable from CI, so its two lookups (P08 similar
// names, N01 duplicate node types) get an empty catalogue. Every other check —
// the npm registry lookups included — runs for real.
"use strict";
const Module = require("module");
const originalLoad = Module._load;
let patched = new WeakSet();
Module._load = function (request, parent, isMain) {
  const exported = originalLoad.apply(this, arguments);
  if (request === "axios" && exported && !patched.has(exported)) {
    patched.add(exported);
    exported.interceptors.request.use((config) => {
      if (/catalogue\.nodered\.org/.test(config.url || "")) {
        config.adapter = async () => ({ data: { modules: [] }, status: 200, statusText: "OK", headers: {}, config, request: {} });
      }
      return config;
    });
  }
  return exported;
};
