from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from tenants import services
from tenants.api.serializers import ApiKeySerializer, IssuedApiKeySerializer, WhoAmISerializer
from tenants.models import ApiKey
from tenants.scoping import TenantScopedMixin, request_tenant


class WhoAmIView(APIView):
    @extend_schema(responses=WhoAmISerializer, summary="The tenant and key behind this request")
    def get(self, request: Request) -> Response:
        data = {"tenant": request_tenant(request), "api_key": request.auth}
        return Response(WhoAmISerializer(data).data)


class ApiKeyViewSet(
    TenantScopedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """A tenant's API keys. The raw key is returned once, by create; DELETE revokes."""

    queryset = ApiKey.objects.all()
    serializer_class = ApiKeySerializer

    @extend_schema(request=ApiKeySerializer, responses={201: IssuedApiKeySerializer})
    def create(self, request: Request) -> Response:
        serializer = ApiKeySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        issued = services.issue_api_key(
            tenant=self.tenant, name=serializer.validated_data.get("name", "")
        )
        body = {**ApiKeySerializer(issued.api_key).data, "key": issued.raw_key}
        return Response(body, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance: ApiKey) -> None:
        services.revoke_api_key(api_key=instance)
