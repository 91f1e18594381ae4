"""E-mail: sending (``sending``), its log (``models``), the API (``api``, ``urls``), the admin
pages (``admin``) and the ``SEND_EMAIL`` command (``commands``). Delivery is the outbox's
``email`` transport (:mod:`apps.integrations.transports.email`)."""
