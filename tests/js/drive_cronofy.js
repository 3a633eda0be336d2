// Drives the official cronofy npm SDK (3.8.4) against a live turnout server.
// Usage: node drive_cronofy.js BASE_URL API_KEY EVENT_ID. Prints one JSON object of results.
const Cronofy = require("cronofy");

async function main() {
  const [baseUrl, key, eventId] = process.argv.slice(2);
  const client = new Cronofy({ client_secret: key });
  client.urls.api = baseUrl; // the SDK has no base-URL option
  const out = {};
  out.created = await client.createBookableEvent({
    bookable_event_id: eventId,
    start: "2030-01-24T12:30:00Z",
    end: "2030-01-24T17:00:00Z",
    status: "confirmed",
    registration: { capacity: 1 },
  });
  out.read = await client.readBookableEvents({ bookable_event_id: eventId });
  out.upserted = await client.upsertRegistrationBookableEvent({
    bookable_event_id: eventId,
    registration_id: "r1",
    status: "accepted",
    metadata: { email: "a@company.com", name: "Bill" },
  });
  try {
    await client.upsertRegistrationBookableEvent({
      bookable_event_id: eventId,
      registration_id: "r2",
      status: "accepted",
    });
    out.full = { resolved: true };
  } catch (err) {
    out.full = { statusCode: err.statusCode, key: err.error.entity.errors.status[0].key };
  }
  // turnout's turnout_error member rides along in error bodies; the SDK must still reject as usual.
  try {
    await client.readBookableEvents({ bookable_event_id: "no_such_event" });
    out.missing = { resolved: true };
  } catch (err) {
    out.missing = { statusCode: err.statusCode, turnout: err.error.entity.turnout_error.code };
  }
  const stranger = new Cronofy({ client_secret: "tk_wrongwrongwr_" + "x".repeat(32) });
  stranger.urls.api = baseUrl;
  try {
    await stranger.readBookableEvents({ bookable_event_id: eventId });
    out.stranger = { resolved: true };
  } catch (err) {
    out.stranger = { statusCode: err.statusCode, turnout: err.error.entity.turnout_error.code };
  }
  out.deleted = await client.deleteRegistrationBookableEvent({
    bookable_event_id: eventId,
    registration_id: "r1",
  });
  process.stdout.write(JSON.stringify(out));
}

main().catch((err) => {
  process.stderr.write(String(err && err.stack ? err.stack : err) + "\n");
  process.exit(1);
});
