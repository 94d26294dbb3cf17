"""Unique constraints as a caller sees them: which fields make a row a duplicate.

One description of every unique rule a model has (``unique=True`` fields, ``unique_together``
and ``UniqueConstraint``), used three ways: ``ensure_unique`` checks a row before a service
writes it, ``duplicate_from`` reads the database's refusal when a concurrent writer won the
race, and both give the same ``Duplicate`` error, which the API answers with a 409 and the
admin forms show next to the field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models
from django.db.models.expressions import F
from django.utils.text import capfirst

# Fields that scope a rule rather than say what is duplicated: every tenant-scoped rule
# names the tenant, which a caller doesn't choose.
SCOPE_FIELDS = frozenset({"tenant"})


@dataclass(frozen=True)
class UniqueRule:
    model: type[models.Model]
    name: str  # the database constraint's name; the field's name for a unique field
    fields: tuple[str, ...]  # every field the rule reads, scope included
    constraint: models.UniqueConstraint

    @property
    def named_fields(self) -> tuple[str, ...]:
        """The fields a duplicate is reported on: the rule's own, without its scope."""
        return tuple(f for f in self.fields if f not in SCOPE_FIELDS) or self.fields


class Duplicate(Exception):
    """A write would repeat a row a unique rule allows once."""

    def __init__(self, rule: UniqueRule) -> None:
        self.rule = rule
        self.fields = rule.named_fields
        opts = rule.model._meta
        names = " and ".join(str(opts.get_field(f).verbose_name) for f in self.fields)
        super().__init__(f"{capfirst(opts.verbose_name)} with this {names} already exists.")


def unique_rules(model: type[models.Model]) -> list[UniqueRule]:
    """Every unique rule of the model, primary keys included."""
    opts = model._meta
    rules = [
        _rule(model, field.name, (field.name,))
        for field in opts.concrete_fields  # a parent's fields are its own model's rules
        if field.unique and field.model is model
    ]
    rules += [_rule(model, "__".join(names), tuple(names)) for names in opts.unique_together]
    for constraint in opts.constraints:
        if isinstance(constraint, models.UniqueConstraint):
            fields = tuple(constraint.fields) or _expression_fields(constraint.expressions)
            rules.append(UniqueRule(model, constraint.name, fields, constraint))
    return rules


def _rule(model: type[models.Model], name: str, fields: tuple[str, ...]) -> UniqueRule:
    constraint = models.UniqueConstraint(fields=list(fields), name=name)
    return UniqueRule(model, name, fields, constraint)


def _expression_fields(expressions) -> tuple[str, ...]:
    """The fields an expression constraint reads: ``Lower("email")`` reads ``email``."""
    found: list[str] = []
    pending = list(expressions)
    while pending:
        node = pending.pop(0)
        if isinstance(node, F):
            found += [node.name] if node.name not in found else []
        else:
            pending += node.get_source_expressions()
    return tuple(found)


def ensure_unique(instance: models.Model) -> None:
    """Raise ``Duplicate`` if saving ``instance`` would break one of its model's unique rules.

    Primary keys are left to the database: a generated one doesn't collide, and checking it
    would cost a query per write."""
    model = instance._meta.concrete_model
    for rule in unique_rules(model):
        if rule.fields == (model._meta.pk.name,) or _has_null(instance, rule):
            continue
        try:
            rule.constraint.validate(model, instance)
        except ValidationError:
            raise Duplicate(rule) from None


def _has_null(instance: models.Model, rule: UniqueRule) -> bool:
    """A row with a NULL in the rule's fields repeats nothing (NULLs are distinct)."""
    opts = instance._meta
    return any(getattr(instance, opts.get_field(f).attname) is None for f in rule.fields)


def duplicate_from(exc: IntegrityError) -> Duplicate | None:
    """The ``Duplicate`` a unique violation from the database stands for, or None."""
    cause = exc.__cause__
    diag = getattr(cause, "diag", None)
    if diag is not None:  # PostgreSQL (psycopg)
        if getattr(cause, "sqlstate", None) != "23505":
            return None
        columns = re.match(r"Key \((.+?)\)=", diag.message_detail or "")
        return _find(
            table=diag.table_name,
            name=diag.constraint_name,
            columns=columns.group(1).split(", ") if columns else None,
        )
    message = str(exc)  # SQLite: "UNIQUE constraint failed: table.a, table.b" or "index 'name'"
    if not message.startswith("UNIQUE constraint failed: "):
        return None
    failed = message.removeprefix("UNIQUE constraint failed: ")
    if failed.startswith("index "):
        return _find(table=None, name=failed.removeprefix("index ").strip("'"), columns=None)
    pairs = [item.split(".", 1) for item in failed.split(", ")]
    return _find(table=pairs[0][0], name=None, columns=[column for _, column in pairs])


def _find(*, table: str | None, name: str | None, columns: list[str] | None) -> Duplicate | None:
    """By the constraint's name; else (a unique field's constraint, named by the database)
    by its table and columns."""
    rules = [r for r in _all_rules() if table is None or r.model._meta.db_table == table]
    found = [r for r in rules if r.name == name] or [
        r
        for r in rules
        if columns is not None
        and r.constraint.fields
        and {r.model._meta.get_field(f).column for f in r.fields} == set(columns)
    ]
    return Duplicate(found[0]) if found else None


@cache
def _all_rules() -> tuple[UniqueRule, ...]:
    models_ = [m for m in apps.get_models() if not m._meta.proxy and m._meta.managed]
    return tuple(rule for model in models_ for rule in unique_rules(model))
