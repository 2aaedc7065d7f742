"""Webhook deliveries of the "Call a webhook" node: signed, retried for a day, visible."""
