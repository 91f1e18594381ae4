"""Scheduling on top of the stored events: conflicts and free-slot suggestions (``planning``),
moving an event (``rescheduling``), free/busy across attendees (``availability``), productivity
figures (``analytics``) and rule-based suggestions (``optimize``), with their API (``api``,
``urls``). Checklists stay with the events they belong to (``apps.events.checklists``)."""
