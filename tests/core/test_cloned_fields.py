"""ClonedFieldsMixin: one-level field copies behave like DRF's deep copies, per instance."""

from __future__ import annotations

import threading

from rest_framework import serializers

from apps.core.serializers import ClonedFieldsMixin


class ContextTag(serializers.CharField):
    """Appends the serializer context's ``suffix``: shows which root a field resolves."""

    def to_internal_value(self, data):
        return super().to_internal_value(data) + self.context.get("suffix", "")


def _shape(*mixins):
    class Item(*mixins, serializers.Serializer):
        text = serializers.CharField(max_length=5)
        done = serializers.BooleanField(required=False, default=False)
        tag = ContextTag(required=False)

    class Body(*mixins, serializers.Serializer):
        title = serializers.CharField(max_length=10, trim_whitespace=True)
        level = serializers.ChoiceField(choices=["LOW", "HIGH"], required=False)
        tags = serializers.ListField(child=serializers.CharField(max_length=3, allow_blank=False), max_length=2,
                                     required=False)
        items = Item(many=True, required=False)
        tag = ContextTag(required=False)

    return Body


Cloned = _shape(ClonedFieldsMixin)
Plain = _shape()

BODIES = [
    {"title": "  ok  ", "level": "HIGH", "tags": ["a", "bb"], "items": [{"text": "x", "tag": "t"}], "tag": "q"},
    {"title": "x" * 11, "level": "MID", "tags": ["toolong", ""], "items": [{"text": "123456"}, {}]},
    {"tags": ["a", "b", "c"], "items": "not a list"},
    {"title": None, "items": [{"text": "a", "done": "maybe"}]},
    {},
]


def _outcome(cls, body, context=None):
    s = cls(data=body, context=context or {})
    return (True, s.validated_data) if s.is_valid() else (False, s.errors)


def test_same_validated_data_and_errors_as_deep_copied_fields():
    for body in BODIES:
        assert _outcome(Cloned, body, {"suffix": "!"}) == _outcome(Plain, body, {"suffix": "!"}), body


def test_each_instance_gets_its_own_bound_fields_and_templates_stay_unbound():
    a, b = Cloned(data={}), Cloned(data={})
    for name in ("title", "tags", "items", "tag"):
        assert a.fields[name] is not b.fields[name]
        assert a.fields[name].parent is a and b.fields[name].parent is b
        template = Cloned._declared_fields[name]
        assert template.parent is None and template.field_name is None
    assert a.fields["tags"].child is not b.fields["tags"].child
    assert a.fields["tags"].child.parent is a.fields["tags"]
    assert a.fields["items"].child is not b.fields["items"].child
    assert a.fields["items"].child.parent is a.fields["items"]
    assert a.fields["items"].child.fields["text"] is not b.fields["items"].child.fields["text"]
    assert a.fields["items"].child.root is a


def test_changing_one_instances_field_leaves_the_next_instance_alone():
    first = Cloned(data={"tags": ["a"]})
    first.fields["title"].required = False
    assert first.is_valid(), first.errors
    second = Cloned(data={"tags": ["a"]})
    assert not second.is_valid()
    assert "title" in second.errors


def test_nested_fields_read_their_own_instances_context_across_threads():
    errors: list[str] = []

    def run(suffix: str) -> None:
        for _ in range(200):
            ok, data = _outcome(Cloned, {"title": "t", "tag": "a", "items": [{"text": "b", "tag": "c"}]},
                                {"suffix": suffix})
            if not ok or data["tag"] != "a" + suffix or data["items"][0]["tag"] != "c" + suffix:
                errors.append(f"{suffix}: {data}")

    threads = [threading.Thread(target=run, args=(f"-{n}",)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_copied_nested_serializers_and_relations_look_freshly_built():
    from apps.events.models import Calendar

    class WithRelations(ClonedFieldsMixin, serializers.Serializer):
        items = Cloned(many=True, required=False)
        calendars = serializers.PrimaryKeyRelatedField(many=True, queryset=Calendar.objects.all(), required=False)

    s = WithRelations(data={}, context={"suffix": "!"})
    assert s.fields["items"].instance is None and s.fields["items"].child.instance is None
    relation = s.fields["calendars"].child_relation
    assert relation is not WithRelations._declared_fields["calendars"].child_relation
    assert relation.parent is s.fields["calendars"] and relation.context == {"suffix": "!"}
