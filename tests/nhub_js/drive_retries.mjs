// THR-1 of spec notification-hubs §11, and the pipeline's network-error retries (§4.4 no-op rule):
// the official JS SDK's own retry policy, unmodified, against a live turnout over http.
// Usage: node drive_retries.mjs <connection string> <hub> <throttled|network> <maxRetries|default>
//   throttled: getRegistration on a hub whose rate is used up; prints the error and the attempts.
//   network:   createOrUpdateRegistration through a proxy that drops the first response; prints
//              the registration and the attempts.
// Attempts are counted by a policy in the "perRetry" position, which the pipeline runs once per
// attempt (the retry policy sits between "perCall" and "perRetry").
import { NotificationHubsClient, createAppleRegistrationDescription } from "@azure/notification-hubs";

const [cs, hub, mode, retries] = process.argv.slice(2);
let attempts = 0;
const count = { name: "countAttempts", sendRequest: (req, next) => { attempts += 1; return next(req); } };
const allowHttp = {
  name: "allowHttp",
  sendRequest: (req, next) => {
    req.allowInsecureConnection = true;
    return next(req);
  },
};
const options = {
  additionalPolicies: [
    { policy: allowHttp, position: "perCall" },
    { policy: count, position: "perRetry" },
  ],
};
if (retries !== "default") options.retryOptions = { maxRetries: Number(retries) };
const client = new NotificationHubsClient(cs, hub, options);
const started = Date.now();
const out = {};
try {
  if (mode === "throttled") {
    await client.getRegistration("thr-1");
  } else {
    const made = await client.createOrUpdateRegistration(
      createAppleRegistrationDescription({
        registrationId: "net-1",
        deviceToken: "00fc13adff785122b4ad28809a3420982341241421348097878e577c991de8f0",
        tags: ["net"],
      }),
    );
    out.registration = { id: made.registrationId, etag: made.etag };
  }
} catch (e) {
  out.error = { name: e.name, statusCode: e.statusCode ?? null, code: e.code ?? null };
}
out.attempts = attempts;
out.seconds = (Date.now() - started) / 1000;
console.log(JSON.stringify(out));
