"""Connection forms: the add form (created through ``create_connection``) and the change form
(saved through ``update_connection``).

Credentials are write-only: neither form has a field that shows them, and the text areas that
take them never render a value, not even the one just typed when the form comes back with errors.
Both forms validate the fields against the connector's definition with the services' own check,
so a refusal shows as a form error naming the field and nothing is written.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from connectors.connections import validate_fields
from connectors.errors import ConnectorError
from connectors.models import Connection
from connectors.providers import all_definitions, get_definition
from connectors.providers.base import ConnectorDefinition
from core import http
from core.admin_tools import UniqueRulesForm


def connector_choices() -> list[tuple[str, str]]:
    return [("", "---------")] + [(d.code, f"{d.name} ({d.code})") for d in all_definitions()]


class WriteOnlyTextarea(forms.Textarea):
    """A text area that never renders a value: what is typed in it goes to the server only."""

    def format_value(self, value) -> None:
        return None


class JSONObjectField(forms.JSONField):
    """A JSON object; blank is an empty object."""

    def to_python(self, value) -> dict[str, Any]:
        value = super().to_python(value)
        if value in (None, ""):
            return {}
        if not isinstance(value, dict):
            raise ValidationError('Enter a JSON object, e.g. {"name": "value"}.')
        return value


class CredentialsField(JSONObjectField):
    """Secrets as a JSON object, in a text area that never shows them."""

    widget = WriteOnlyTextarea(attrs={"rows": 4, "autocomplete": "off"})

    def __init__(self, *, help_text: str, **kwargs) -> None:
        super().__init__(required=False, help_text=help_text, **kwargs)


def credential_field_names(definition: ConnectorDefinition) -> str:
    names = [f"{f.name}{'' if f.required else ' (optional)'}" for f in definition.credential_fields]
    return ", ".join(names) or "none"


class ConnectionForm(UniqueRulesForm):
    """What both forms share: the base URL check and the definition's field check."""

    base_url = forms.URLField(
        label="Base URL",
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text="Overrides the provider's API host (a sandbox, a proxy). Usually blank.",
    )
    # Where a service error about a section of fields is shown.
    section_fields = {"config": "config", "credentials": "credentials"}

    def clean_base_url(self) -> str:
        url = self.cleaned_data["base_url"]
        if url:
            try:
                http.validate_target_url(url)
            except ValueError as exc:
                raise ValidationError(str(exc)) from None
        return url

    def validate_definition_fields(
        self, definition: ConnectorDefinition, *, config: dict, credentials: dict
    ) -> None:
        try:
            validate_fields(definition, config=config, credentials=credentials)
        except ConnectorError as exc:
            self.add_service_error(exc)

    def add_service_error(self, exc: ConnectorError) -> None:
        section = exc.field.split(".", 1)[0]
        field = self.section_fields.get(section, section)
        self.add_error(field if field in self.fields else None, str(exc))


class ConnectionAddForm(ConnectionForm):
    connector = forms.ChoiceField(choices=connector_choices)
    config = JSONObjectField(
        required=False,
        initial=dict,
        help_text="The connector's settings as a JSON object (see the catalog for its fields).",
    )
    credentials = CredentialsField(
        help_text='Secrets as a JSON object, e.g. {"bot_token": "xoxb-..."}. Encrypted at rest '
        "and never shown again, not even if the form comes back with an error.",
    )

    class Meta:
        model = Connection
        fields = ["tenant", "connector", "name", "base_url"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["name"].required = False
        self.fields["name"].help_text = "Leave blank for the connector's name."

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        definition = get_definition(data.get("connector") or "")
        if definition is None:
            return data
        if not data.get("name"):
            data["name"] = definition.name  # as create_connection would, so uniqueness is checked
        if "config" in data and "credentials" in data:
            self.validate_definition_fields(
                definition, config=data["config"], credentials=data["credentials"]
            )
        return data


class ConnectionChangeForm(ConnectionForm):
    config = JSONObjectField(
        required=False,
        help_text="The connector's settings as a JSON object. A key left out is removed.",
    )
    replace_credentials = CredentialsField(
        help_text="Blank keeps the stored credentials. A JSON object merges into them; a null "
        "value removes a key.",
    )
    section_fields = {"config": "config", "credentials": "replace_credentials"}

    class Meta:
        model = Connection
        fields = ["name", "status", "base_url"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.initial["config"] = self.instance.config
        self.definition = get_definition(self.instance.connector)
        if self.definition is not None:
            names = credential_field_names(self.definition)
            field = self.fields["replace_credentials"]
            field.help_text += f" Fields of {self.definition.name}: {names}."
        self.changes: dict[str, Any] = {}

    def clean(self) -> dict[str, Any]:
        """Collect the changes for ``update_connection`` and check what they would store."""
        data = super().clean()
        if self.definition is None:
            raise ValidationError(f"Unknown connector {self.instance.connector!r}.")
        self.changes = {
            name: data[name]
            for name in ("name", "status", "base_url")
            if name in self.changed_data and name in data
        }
        if "config" in self.changed_data and "config" in data:
            # The service merges: a None for each stored key left out makes the edit a replace.
            self.changes["config"] = {**dict.fromkeys(self.instance.config), **data["config"]}
        if data.get("replace_credentials"):
            self.changes["credentials"] = data["replace_credentials"]
        self.validate_definition_fields(
            self.definition,
            config=_merged(self.instance.config, self.changes.get("config")),
            credentials=_merged(self.instance.credentials, self.changes.get("credentials")),
        )
        return data


def _merged(stored: dict, changes: dict | None) -> dict:
    """What ``update_connection`` will store for a section: changes merged, None removes."""
    merged = {**stored, **(changes or {})}
    return {name: value for name, value in merged.items() if value is not None}
