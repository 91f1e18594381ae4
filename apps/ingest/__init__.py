"""The one path every calendar entry takes, wherever it comes from.

API creates, admin saves, Telegram messages and every calendar source hand an
:class:`~apps.ingest.pipeline.IncomingEvent` to :func:`~apps.ingest.services.ingest` (or, for bulk
calendar syncs, to :func:`~apps.ingest.pipeline.run_pipeline`). The apps that own a kind of entry
plug in from their ``ready()``: ``commands`` handles ``ACTION:``, ``events`` handles ``NOTIZ:``,
``NOTE:`` and ``URL:`` and stores what no plugin consumed. This app has no models and imports
none of theirs, so dependencies run one way: callers → ingest ← the apps that plug in.
"""
