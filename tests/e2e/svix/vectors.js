// vectors.js: writes tests/vectors/svix.json, deliveries signed by the
// svix SDK (Webhook.sign) at fixed timestamps, for the unit tests.
//   (cd build/svix && npm ci) && NODE_PATH=build/svix/node_modules \
//       node tests/e2e/svix/vectors.js >tests/vectors/svix.json
// The secrets are fixed (SHA-256 of a label, cut to 24, 25, 26 and 32
// bytes): their base64 ends in none, two, one and one '='.
"use strict";
const crypto = require("crypto");
const { Webhook } = require("svix");

function secret(label, n) {
	const key = crypto.createHash("sha256").update(label).digest().subarray(0, n);
	return "whsec_" + key.toString("base64");
}

const cases = [
	{ bytes: 24, id: "msg_2fXvK9hookline0000000001", ts: 1700000000,
	  body: '{"type":"user.created","data":{"id":"user_1","email":"a@example.com"}}' },
	{ bytes: 25, id: "msg_2fXvK9hookline0000000002", ts: 1700000100,
	  body: '{"type":"email.delivered","data":{"to":["zo\u00eb@example.com"]}}' },
	{ bytes: 26, id: "msg_2fXvK9hookline0000000003", ts: 1700000200,
	  body: '{"type":"session.ended","data":{}}' },
	{ bytes: 32, id: "msg_2fXvK9hookline0000000004", ts: 1700000300,
	  body: '{"type": "user.deleted", "data": {"deleted": true}}\n' },
];
const out = cases.map((c, i) => {
	const s = secret(`hookline svix vector ${i + 1}`, c.bytes);
	return {
		id: `svix-sdk-${c.bytes}-byte-key`,
		secret: s,
		headers: {
			"svix-id": c.id,
			"svix-timestamp": String(c.ts),
			"svix-signature": new Webhook(s).sign(c.id, new Date(c.ts * 1000), c.body),
		},
		body: c.body,
		now: c.ts,
	};
});
// Rotation: Svix lists a signature per active secret.
const old = secret("hookline svix vector old", 24);
const cur = out[0].secret;
const r = cases[0];
out.push({
	id: "svix-sdk-two-signatures",
	secret: cur,
	headers: {
		"svix-id": r.id,
		"svix-timestamp": String(r.ts),
		"svix-signature": [old, cur].map((s) => new Webhook(s).sign(r.id, new Date(r.ts * 1000), r.body)).join(" "),
	},
	body: r.body,
	now: r.ts,
});
process.stdout.write(JSON.stringify({
	source: `svix ${require("svix/package.json").version} Webhook.sign (tests/e2e/svix/vectors.js)`,
	vectors: out,
}, null, 1) + "\n");
