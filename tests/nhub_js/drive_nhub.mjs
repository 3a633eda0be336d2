// CLI-1 of spec notification-hubs §11: the official JS SDK, unmodified, against a live turnout.
// Usage: node drive_nhub.mjs <full connection string> <listen connection string> <hub> [ca.pem]
// Over http the SDK needs a per-call policy that allows insecure connections (spec §9); over https
// the test's self-signed certificate is trusted through `tlsOptions`.
import { readFileSync } from "node:fs";
import {
  NotificationHubsClient,
  createAppleInstallation,
  createAppleRegistrationDescription,
  createBrowserRegistrationDescription,
  createFcmV1RegistrationDescription,
  createWindowsTemplateRegistrationDescription,
} from "@azure/notification-hubs";

const [full, listen, hub, caFile] = process.argv.slice(2);
const allowHttp = {
  name: "allowHttp",
  sendRequest: (req, next) => {
    req.allowInsecureConnection = true;
    return next(req);
  },
};
const options = caFile
  ? { tlsOptions: { ca: readFileSync(caFile, "utf8") }, retryOptions: { maxRetries: 0 } }
  : { additionalPolicies: [{ policy: allowHttp, position: "perCall" }], retryOptions: { maxRetries: 0 } };
const client = new NotificationHubsClient(full, hub, options);
const out = {};

async function collect(iterator) {
  const found = [];
  for await (const r of iterator) found.push(r.registrationId);
  return found;
}

async function failure(promise) {
  try {
    await promise;
    return null;
  } catch (e) {
    return e.statusCode ?? String(e);
  }
}

const token = "00fc13adff785122b4ad28809a3420982341241421348097878e577c991de8f0";
const channelUri = "https://db5.notify.windows.com/?token=AwYAAAB%2b&x=1";
const browser = { endpoint: "https://fcm.googleapis.com/fcm/send/abc?x=1", p256dh: "p256", auth: "authv" };

out.registrationId = await client.createRegistrationId();
let fcm = await client.createOrUpdateRegistration(
  createFcmV1RegistrationDescription({ registrationId: out.registrationId, fcmV1RegistrationId: "fcm-1", tags: ["js"] }),
);
out.fcm = { id: fcm.registrationId, etag: fcm.etag, kind: fcm.kind };
const apple = await client.createRegistration(createAppleRegistrationDescription({ deviceToken: token, tags: ["js", "a#b"] }));
const windows = await client.createRegistration(
  createWindowsTemplateRegistrationDescription({
    channelUri,
    bodyTemplate: "<toast>]]> & $(x)</toast>",
    wnsHeaders: { "X-WNS-Type": "wns/toast" },
    tags: ["js"],
  }),
);
const web = await client.createRegistration(createBrowserRegistrationDescription({ ...browser, tags: ["js"] }));
out.apple = { id: apple.registrationId, etag: apple.etag, deviceToken: apple.deviceToken };
out.windowsBody = (await client.getRegistration(windows.registrationId)).bodyTemplate;
fcm.tags = ["js", "updated"];
fcm = await client.updateRegistration(fcm);
out.updatedEtag = fcm.etag;
out.pages = [];
for await (const page of client.listRegistrations({ top: 1 }).byPage()) out.pages.push(page.length);
out.byTag = await collect(client.listRegistrationsByTag("js"));
out.byTagHash = await collect(client.listRegistrationsByTag("a#b"));
out.byChannel = {
  apple: await collect(client.listRegistrationsByChannel({ kind: "apple", deviceToken: token })),
  windows: await collect(client.listRegistrationsByChannel({ kind: "windows", channelUri })),
  fcmv1: await collect(client.listRegistrationsByChannel({ kind: "fcmv1", fcmV1RegistrationId: "fcm-1" })),
  browser: await collect(client.listRegistrationsByChannel({ kind: "browser", ...browser })),
};
const deleted = await client.deleteRegistration(apple.registrationId, { etag: apple.etag });
out.trackingId = deleted.trackingId; // the SDK copies the response's TrackingId header
await client.deleteRegistration(windows.registrationId);
out.deletedGet = await failure(client.getRegistration(apple.registrationId));
await client.createOrUpdateInstallation(
  createAppleInstallation({ installationId: "js-inst", pushChannel: token, tags: ["x"] }),
);
await client.updateInstallation("js-inst", [{ op: "add", path: "/tags", value: "y" }]);
const installation = await client.getInstallation("js-inst");
out.installation = { tags: installation.tags, platform: installation.platform };
await client.deleteInstallation("js-inst");
out.installationGone = await failure(client.getInstallation("js-inst"));
const wrongKey = full.replace(/SharedAccessKey=[^;]+/, "SharedAccessKey=" + "A".repeat(43) + "=");
out.wrongKey = await failure(new NotificationHubsClient(wrongKey, hub, options).getRegistration(fcm.registrationId));
out.listenByTag = await failure(collect(new NotificationHubsClient(listen, hub, options).listRegistrationsByTag("js")));
console.log(JSON.stringify(out));
