"""Input serializers that are cheap to instantiate.

For every instance, DRF deep-copies each declared field, and a field's ``__deepcopy__`` runs
its ``__init__`` again (validators, merged error messages, choice maps). On a small create
body that copying cost more than validating the data. :class:`ClonedFieldsMixin` copies each
field one level instead: the copy shares what nobody changes after construction (validators,
error messages, choices) and gets its own binding to the new serializer.

The declared fields act as templates and are never bound themselves, so copying one is the
same as constructing it afresh. Use the mixin on plain ``Serializer`` classes whose fields are
not modified per instance after ``get_fields`` (add or replace fields in ``get_fields``, never
mutate a field's attributes in place).
"""

from __future__ import annotations

from rest_framework import fields, serializers

# What a serializer keeps about one use: never carried over from the template.
_PER_USE = ("fields", "_validated_data", "_errors", "_data", "initial_data", "instance")


def clone_field(template: fields.Field, parent: fields.Field | None = None) -> fields.Field:
    """A fresh, unbound copy of ``template``; a list field's or nested serializer's child is copied too."""
    field = object.__new__(type(template))  # copy.copy's effect without its __reduce_ex__ round trip
    field.__dict__.update(template.__dict__)
    if isinstance(field, serializers.BaseSerializer):
        for name in _PER_USE:
            field.__dict__.pop(name, None)
        field.instance = None  # as a freshly constructed nested serializer has it
    for attr in ("child", "child_relation"):  # list fields and serializers; many=True relations
        child = getattr(template, attr, None)
        if isinstance(child, fields.Field):
            # The constructor bound the child to the template; bind the copy to the new parent.
            setattr(field, attr, clone_field(child, parent=field))
    if parent is not None:
        field.parent = parent
    return field


class ClonedFieldsMixin:
    """``get_fields`` by one-level copies of the declared fields instead of ``copy.deepcopy``."""

    def get_fields(self):
        return {name: clone_field(template) for name, template in self._declared_fields.items()}
