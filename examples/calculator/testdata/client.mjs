// @ts-check
// A TypeScript-checked client of the Calculator's HTTP API. Its types come
// from api.d.ts, which openapi-typescript generates from the OpenAPI document
// the server serves; tsc --checkJs checks this file against them, and Node
// runs it as it is, with its built-in fetch.
//
//	node client.mjs http://127.0.0.1:8080

/** @typedef {import("./api").paths} paths */
/** @typedef {import("./api").components["schemas"]["Error"]} ErrorBody */

const base = process.argv[2];

/**
 * Sends a request and returns its status and JSON body, typed as the caller
 * says the document declares it.
 * @template T
 * @param {string} path
 * @param {RequestInit} [init]
 * @returns {Promise<{status: number, body: T}>}
 */
async function call(path, init) {
	const resp = await fetch(base + path, init);
	return { status: resp.status, body: /** @type {T} */ (await resp.json()) };
}

// The generic route: POST /Calculator/Add with the request shape as JSON.
/** @type {NonNullable<paths["/Calculator/Add"]["post"]["requestBody"]>["content"]["application/json"]} */
const addReq = { a: 2, b: 3 };
/** @type {{status: number, body: paths["/Calculator/Add"]["post"]["responses"][200]["content"]["application/json"]}} */
const add = await call("/Calculator/Add", {
	method: "POST",
	headers: { "Content-Type": "application/json" },
	body: JSON.stringify(addReq),
});
console.log(`POST /Calculator/Add ${JSON.stringify(addReq)}: ${add.status} ${add.body}`);

// A REST route: a in the path, b in the query string.
/** @type {paths["/add/{a}"]["get"]["parameters"]["path"]} */
const addPath = { a: 40 };
/** @type {NonNullable<paths["/add/{a}"]["get"]["parameters"]["query"]>} */
const addQuery = { b: 2 };
const addURL = `/add/${addPath.a}?${new URLSearchParams({ b: String(addQuery.b) })}`;
/** @type {{status: number, body: paths["/add/{a}"]["get"]["responses"][200]["content"]["application/json"]}} */
const rest = await call(addURL);
console.log(`GET ${addURL}: ${rest.status} ${rest.body}`);

// A REST route with two path parameters and a struct result.
/** @type {paths["/divide/{a}/{b}"]["get"]["parameters"]["path"]} */
const divPath = { a: 7, b: 2 };
/** @type {{status: number, body: paths["/divide/{a}/{b}"]["get"]["responses"][200]["content"]["application/json"]}} */
const div = await call(`/divide/${divPath.a}/${divPath.b}`);
console.log(`GET /divide/${divPath.a}/${divPath.b}: ${div.status} quo ${div.body.quo} rem ${div.body.rem}`);

// An error: the document's 400 response, an Error with its code.
/** @type {{status: number, body: paths["/divide/{a}/{b}"]["get"]["responses"][400]["content"]["application/json"]}} */
const bad = await call("/divide/1/0");
/** @type {ErrorBody["code"]} */
const code = bad.body.code;
console.log(`GET /divide/1/0: ${bad.status} code ${code} message ${JSON.stringify(bad.body.message)}`);

// The types are the document's, not any: each line below must fail to
// type-check, or tsc reports the directive as unused.
// @ts-expect-error: Divide's result has no field "quotient".
div.body.quotient;
// @ts-expect-error: "no_such_code" is not one of the Error schema's codes.
/** @type {ErrorBody["code"]} */ const notACode = "no_such_code";
// @ts-expect-error: a path parameter of type integer is not a string.
/** @type {paths["/add/{a}"]["get"]["parameters"]["path"]} */ const notANumber = { a: "40" };
