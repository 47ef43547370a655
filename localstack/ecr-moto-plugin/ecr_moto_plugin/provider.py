"""
ECR provider for LocalStack community, backed entirely by moto.

ECR is not part of LocalStack's free edition, but localstack-core ships moto
(moto-ext), which has a reasonably complete in-memory ECR backend. This module
registers the service plugin ``ecr:moto`` (entry point namespace
``localstack.aws.provider``); select it with ``PROVIDER_OVERRIDE_ECR=moto``.

Every operation of the ECR service model is dispatched to moto, the same way
LocalStack's own providers fall back to moto (``MotoFallbackDispatcher``):
the request is handed to moto in-process, moto's response is parsed and
re-serialized by LocalStack's ASF serializer, and moto errors are turned into
regular AWS error responses. Accounts (from the access key id) and regions are
passed through, so each account/region gets its own ECR backend.

moto ignores maxResults/nextToken of DescribeRepositories and ListImages and
always returns everything; those two are paginated here like AWS does
(maxResults 1..1000, default page size 100, opaque nextToken).
moto answers PutImage on a missing repository with a 500; it gets the proper
RepositoryNotFoundException here.
"""

import base64

from localstack.aws.api import CommonServiceException
from localstack.aws.spec import load_service
from localstack.services.plugins import Service, ServiceLifecycleHook, aws_provider


class EcrMotoProvider(ServiceLifecycleHook):
    """Marker provider: it implements nothing itself, moto does everything."""

    service = "ecr"


DEFAULT_PAGE_SIZE = 100

# operation -> key of the list in the response that AWS paginates
PAGINATED = {
    "DescribeRepositories": "repositories",
    "ListImages": "imageIds",
}


def _call_moto(context, request):
    from localstack.services.moto import call_moto

    return call_moto(context)


def _encode_token(offset: int) -> str:
    return base64.urlsafe_b64encode(f"moto-offset:{offset}".encode()).decode()


def _decode_token(token: str) -> int:
    try:
        prefix, _, offset = base64.urlsafe_b64decode(token.encode()).decode().partition(":")
        if prefix != "moto-offset" or int(offset) < 0:
            raise ValueError(token)
        return int(offset)
    except Exception:
        raise CommonServiceException(
            "InvalidParameterException", "Invalid parameter at 'nextToken' failed to satisfy constraint"
        )


def _paginated(list_key: str):
    def handler(context, request):
        start = _decode_token(request["nextToken"]) if request.get("nextToken") else 0
        page_size = request.get("maxResults") or DEFAULT_PAGE_SIZE
        response = _call_moto(context, request)
        items = response.get(list_key) or []
        end = start + page_size
        response[list_key] = items[start:end]
        response.pop("nextToken", None)
        if end < len(items):
            response["nextToken"] = _encode_token(end)
        return response

    return handler


def _put_image(context, request):
    from moto.ecr.models import ecr_backends

    name = request.get("repositoryName")
    registry_id = request.get("registryId") or context.account_id
    if name not in ecr_backends[context.account_id][context.region].repositories:
        raise CommonServiceException(
            "RepositoryNotFoundException",
            f"The repository with name '{name}' does not exist in the registry with id '{registry_id}'",
        )
    return _call_moto(context, request)


def _put_image_scanning_configuration(context, request):
    # AWS SDKs omit `scanOnPush: false` (a default value) from the request; AWS reads the missing
    # field as false, moto ignores the empty configuration and keeps the old value.
    from moto.ecr.models import ecr_backends

    response = _call_moto(context, request)
    config = request.get("imageScanningConfiguration") or {}
    if "scanOnPush" not in config:
        repo = ecr_backends[context.account_id][context.region].repositories.get(request.get("repositoryName"))
        if repo is not None:
            repo.image_scanning_configuration = {"scanOnPush": False}
            response["imageScanningConfiguration"] = {"scanOnPush": False}
    return response


SPECIAL = {"PutImage": _put_image, "PutImageScanningConfiguration": _put_image_scanning_configuration}


def _moto_dispatch_table(provider):
    table = {}
    for op in load_service("ecr").operation_names:
        if op in PAGINATED:
            table[op] = _paginated(PAGINATED[op])
        else:
            table[op] = SPECIAL.get(op, _call_moto)
    return table


@aws_provider(api="ecr", name="moto")
def ecr_moto():
    return Service.for_provider(EcrMotoProvider(), dispatch_table_factory=_moto_dispatch_table)
