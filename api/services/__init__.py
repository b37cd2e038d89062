"""Use cases, one module per area; each is one transaction and raises ``errors``."""
