// sign.js: svix headers for one delivery, signed by the svix SDK's
// Webhook.sign, for tests/e2e/t_svix.sh.
//   node sign.js SECRET ID TIMESTAMP BODY-FILE
// prints three lines: "svix-id: ID", "svix-timestamp: TS",
// "svix-signature: v1,..." (one "v1,..." per SECRET when SECRET holds
// several, space-separated, as Svix lists them while a secret rotates).
"use strict";
const fs = require("fs");
const { Webhook } = require("svix");

const [secrets, id, ts, file] = process.argv.slice(2);
if (file === undefined) {
	process.stderr.write("usage: node sign.js SECRET ID TIMESTAMP BODY-FILE\n");
	process.exit(2);
}
const body = fs.readFileSync(file, "utf8");
const when = new Date(Number(ts) * 1000);
const sigs = secrets.split(" ").map((s) => new Webhook(s).sign(id, when, body));
process.stdout.write(`svix-id: ${id}\nsvix-timestamp: ${ts}\nsvix-signature: ${sigs.join(" ")}\n`);
