"""An encrypted JSON column (``EncryptedJSONField``, stored as text) is a JSON object in every
API reply and in the schema, not a string holding a Python repr."""

from __future__ import annotations

import pytest
from rest_framework import serializers

from connectors.models import Connection
from core.api.fields import JSONObjectField

pytestmark = pytest.mark.django_db
INSTALL = {
    "operation": "INSTALL",
    "connector_code": "whatsapp-business-cloud",
    "installation_config": {"access_token": "EAAG-secret", "phone_number_id": "1"},
}


def test_every_model_serializer_maps_it_to_a_json_object_field():
    class AnyConnection(serializers.ModelSerializer):
        class Meta:
            model = Connection
            fields = ["config"]

    assert isinstance(AnyConnection().fields["config"], JSONObjectField)
    with pytest.raises(serializers.ValidationError):
        AnyConnection().fields["config"].run_validation("{'phone_number_id': '1'}")


def test_connections_and_seed_002_replies_carry_config_as_an_object(api_client):
    installed = api_client.post("/api/v2/integrations/connectors", INSTALL, format="json").json()
    assert installed["connection"]["config"] == {"phone_number_id": "1"}
    (listed,) = api_client.get("/api/v1/connections").json()["results"]
    assert listed["config"] == {"phone_number_id": "1"}
    detail = api_client.get(f"/api/v1/connections/{listed['id']}").json()
    assert detail["config"] == {"phone_number_id": "1"}


def test_the_schema_says_config_is_an_object(client):
    spec = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    config = spec["components"]["schemas"]["Connection"]["properties"]["config"]
    assert config["type"] == "object"
