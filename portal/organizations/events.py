"""The events the organisation area emits; declared in the shared catalogue
(portal.events.catalogue), where docs/events.md is generated from. A test proves each emitted
payload has exactly the declared fields."""

AGGREGATE = "organization"
