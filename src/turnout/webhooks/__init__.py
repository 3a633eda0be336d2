"""Webhooks: endpoints, the outbox the write transactions fill, and the dispatcher that empties it."""
