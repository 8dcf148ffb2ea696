"""What the event catalogue takes from duplicates: nothing beyond the customer id's limit,
which customers supply; the payloads of CustomerMerged and CustomerMergeUndone are in
portal/events/catalogue.py with the other published customer events."""
