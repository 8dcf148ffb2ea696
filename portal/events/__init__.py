"""Domain events: the transactional outbox and the catalogue of event types."""
