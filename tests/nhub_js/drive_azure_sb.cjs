// CLI-2 of spec notification-hubs §11: the legacy azure-sb 0.11.2 client, unmodified, over http.
// Usage: node drive_azure_sb.cjs <connection string> <hub>
const azure = require("azure-sb");
const { promisify } = require("node:util");

const [connectionString, hub] = process.argv.slice(2);
const service = azure.createNotificationHubService(hub, connectionString);
const call = (target, name, ...args) => promisify(target[name]).call(target, ...args);

(async () => {
  const out = {};
  out.registrationId = await call(service, "createRegistrationId");
  const token = "00fc13adff785122b4ad28809a3420982341241421348097878e577c991de8f0";
  const made = await call(service.apns, "createNativeRegistration", token, ["sb", "user:1"]);
  out.created = { id: made.RegistrationId, token: made.DeviceToken, tags: made.Tags };
  const listed = await call(service, "listRegistrations", { top: 10 });
  out.listed = listed.map((r) => r.RegistrationId);
  await call(service, "deleteRegistration", made.RegistrationId);
  out.afterDelete = (await call(service, "listRegistrations", { top: 10 })).map((r) => r.RegistrationId);
  console.log(JSON.stringify(out));
})().catch((e) => {
  console.error(e && (e.stack || e.message || JSON.stringify(e)));
  process.exit(1);
});
