/**
 * pgs-runtime library.
 *
 * @module
 */
export * from "./snapshot/mod.ts";
