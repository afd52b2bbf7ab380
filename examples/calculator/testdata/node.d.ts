// The one part of Node's API client.mjs uses beyond the web platform's
// (fetch, URLSearchParams, console), declared so that tsc needs no
// @types/node.
declare const process: { argv: string[] };
