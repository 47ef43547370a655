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

Pull through cache rules, repository creation templates, account settings, the
signing configuration and pull-time update exclusions are not in moto; they are
served from registry_settings.py. Where moto's registry-wide settings,
encryption, tag mutability and lifecycle handling differ from what AWS
documents, the handlers below correct them; every rule enforced here is in
rules.py.
"""

import base64
import uuid

from localstack.aws.api import CommonServiceException
from localstack.aws.spec import load_service
from localstack.services.plugins import Service, ServiceLifecycleHook, aws_provider

from . import rules
from .registry_settings import HANDLERS as REGISTRY_SETTINGS_HANDLERS
from .registry_settings import account_setting


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


def _backend(context):
    from moto.ecr.models import ecr_backends

    return ecr_backends[context.account_id][context.region]


def _put_registry_scanning_configuration(context, request):
    # moto validates nothing: a third rule, CONTINUOUS_SCAN with BASIC, a missing scanType (stored
    # as null) and a missing rules list (which breaks every later CreateRepository with a 500) are
    # all accepted. AWS: BASIC when no scan type is given, no rules when none are given.
    rules.check_scanning_configuration(request)
    scan_type = request.get("scanType") or "BASIC"
    scan_rules = request.get("rules") or []
    _backend(context).put_registry_scanning_configuration(scan_type, scan_rules)
    return {"registryScanningConfiguration": {"scanType": scan_type, "rules": scan_rules}}


def _put_replication_configuration(context, request):
    # moto rejects more than one rule ("This feature is disabled"); AWS allows up to 10.
    config = request.get("replicationConfiguration") or {}
    rules.check_replication_configuration(config, context.account_id, context.region)
    _backend(context).replication_config = {"rules": config["rules"]}
    return {"replicationConfiguration": {"rules": config["rules"]}}


def _put_registry_policy(context, request):
    # moto only allows ecr:CreateRepository and ecr:ReplicateImage (not even
    # ecr:BatchImportUpstreamImage); with the default registry policy scope (V2) AWS allows any
    # ECR action, with V1 (PutAccountSetting REGISTRY_POLICY_SCOPE) only those two and
    # ecr:BatchImportUpstreamImage.
    text = request.get("policyText")
    rules.check_registry_policy(text, scope=account_setting(context, "REGISTRY_POLICY_SCOPE"))
    _backend(context).registry_policy = text
    return {"registryId": context.account_id, "policyText": text}


def aws_managed_ecr_key_arn(account_id: str, region: str) -> str:
    """Stands in for the AWS managed key alias/aws/ecr: one stable key per account and Region."""
    key_id = uuid.uuid5(uuid.NAMESPACE_URL, f"aws/ecr/{account_id}/{region}")
    return f"arn:aws:kms:{region}:{account_id}:key/{key_id}"


def _create_repository(context, request):
    # AWS: KMS or KMS_DSSE without kmsKey uses the AWS managed key (aws/ecr), the same key for every
    # repository of the account and Region. moto makes up a new random key per repository for KMS
    # and none at all for KMS_DSSE. AES256 with a kmsKey is rejected (moto stores it).
    encryption = request.get("encryptionConfiguration")
    rules.check_encryption(encryption, kms_key_max=2048, code="InvalidParameterException")
    rules.check_exclusion_filters(
        request.get("imageTagMutability") or "MUTABLE",
        request.get("imageTagMutabilityExclusionFilters"),
        code="InvalidParameterException",
    )
    response = _call_moto(context, request)
    if encryption and encryption.get("encryptionType") in ("KMS", "KMS_DSSE") and not encryption.get("kmsKey"):
        fixed = {"encryptionType": encryption["encryptionType"], "kmsKey": aws_managed_ecr_key_arn(context.account_id, context.region)}
        repo = _backend(context).repositories.get(request["repositoryName"])
        if repo is not None:
            repo.encryption_configuration = fixed
        response.get("repository", {})["encryptionConfiguration"] = dict(fixed)
    return response


def _put_image_tag_mutability(context, request):
    # moto accepts *_WITH_EXCLUSION without filters and silently turns MUTABLE/IMMUTABLE with
    # filters into the *_WITH_EXCLUSION value; AWS rejects both. The response also lacks
    # imageTagMutabilityExclusionFilters.
    mutability = request.get("imageTagMutability")
    filters = request.get("imageTagMutabilityExclusionFilters")
    rules.check_exclusion_filters(mutability, filters, code="InvalidParameterException")
    response = _call_moto(context, request)
    repo = _backend(context).repositories.get(request.get("repositoryName"))
    if repo is not None and mutability not in rules.WITH_EXCLUSION:
        repo.image_tag_mutability_exclusion_filters = None
    if filters:
        response["imageTagMutabilityExclusionFilters"] = filters
    return response


def _patch_moto_lifecycle_validator():
    # moto's lifecycle policy validator only knows the expire-only rule forms. Widen its enums to
    # the ones ECR documents (rules.LCP_*); the cross-field rules are in rules.check_lifecycle_policy.
    from moto.ecr import policy_validation as pv

    pv.VALID_ACTION_PROPERTIES = {"type", "targetStorageClass"}
    pv.VALID_ACTION_TYPE_VALUES = set(rules.LCP_ACTION_TYPES)
    pv.VALID_SELECTION_PROPERTIES = set(pv.VALID_SELECTION_PROPERTIES) | {"storageClass"}
    pv.VALID_SELECTION_COUNT_TYPE_VALUES = set(rules.LCP_COUNT_TYPES)


def _put_lifecycle_policy(context, request):
    # LifecyclePolicyText: 100..30720 characters [API]; then the documented rule forms, then moto
    # (repository lookup and its own schema checks, widened above).
    text = request.get("lifecyclePolicyText") or ""
    rules.check_string("lifecyclePolicyText", text, min_len=100, max_len=rules.RCT_LIFECYCLE_POLICY_MAX)
    rules.check_lifecycle_policy(text)
    return _call_moto(context, request)


SPECIAL = {
    "PutImage": _put_image,
    "PutImageScanningConfiguration": _put_image_scanning_configuration,
    "PutRegistryScanningConfiguration": _put_registry_scanning_configuration,
    "PutReplicationConfiguration": _put_replication_configuration,
    "PutRegistryPolicy": _put_registry_policy,
    "CreateRepository": _create_repository,
    "PutImageTagMutability": _put_image_tag_mutability,
    "PutLifecyclePolicy": _put_lifecycle_policy,
    **REGISTRY_SETTINGS_HANDLERS,
}


def _moto_dispatch_table(provider):
    _patch_moto_lifecycle_validator()
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
