"""Everything that happens after a commit: the outbox relay, dramatiq actors, the
scheduler, email, webhooks and publication to the public register."""
