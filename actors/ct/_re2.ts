/**
 * The one owner of re2js, loaded only through `await import("./_re2.ts")` from
 * _pattern.ts, so that its start-up cost is paid only by runs that match patterns.
 *
 * @module
 */
export { RE2JS } from "re2js";
