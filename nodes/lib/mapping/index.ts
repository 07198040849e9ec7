/**
 * Mapping between ServiceNow, AWS Support and Ensono: tables as data
 * (presets.ts), the generic table engine (table.ts), and the named pure
 * functions (functions.ts). Never imports Node-RED.
 */
export * from "./table";
export * from "./presets";
export * from "./derive";
export * from "./functions";
export * from "./groups";
export * from "./text";
