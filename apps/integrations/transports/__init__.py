"""Delivery transports of the outbox; see :mod:`apps.integrations.transports.base`."""
