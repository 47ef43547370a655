"""
Every ECR validation rule this plugin enforces itself, in one place.

Sources (all AWS documentation):
  [API]  Amazon ECR API Reference, the operation and data type pages (constraints
         are the ones of the service model shipped with botocore 1.42, which is
         what the API Reference is generated from).
  [PTC]  ECR User Guide, "Sync an upstream registry with an Amazon ECR private
         registry" / "Creating a pull through cache rule" / "Customizing repository
         prefixes for ECR to ECR pull through cache".
  [REG]  ECR User Guide, "Private registry permissions in Amazon ECR".
  [LCP]  ECR User Guide, "Lifecycle policy properties in Amazon ECR" and the
         policy template in "Examples of lifecycle policies in Amazon ECR".
  [SCAN] API Reference, RegistryScanningRule.scanFrequency.
  [QUO]  ECR User Guide, "Amazon ECR service quotas".
  [SIGN] ECR User Guide, "Managed signing" (prerequisites and considerations).
  [PTUE] ECR User Guide, "Pull-time update exclusions".
  [BLOB] ECR User Guide, "Blob mounting in Amazon ECR".
  [DOC-HIST] ECR User Guide, "Document history".

Error codes: a value that breaks a constraint of the service model (length,
pattern, enum, list size) is answered with ValidationException where the
operation lists that error, otherwise with InvalidParameterException (the code
ECR itself uses for e.g. an invalid repository name). Rules that relate several
fields to each other are InvalidParameterException. Messages follow the shapes
AWS uses: "1 validation error detected: Value 'x' at 'field' failed to satisfy
constraint: Member must ..." and "Invalid parameter at 'field' failed to
satisfy constraint: '...'".
"""

import json
import re

from localstack.aws.api import CommonServiceException

# --------------------------------------------------------------------- errors


def error(code: str, message: str) -> CommonServiceException:
    return CommonServiceException(code, message, status_code=400, sender_fault=True)


def validation_error(field: str, value, constraint: str) -> CommonServiceException:
    shown = value if isinstance(value, str) else json.dumps(value)
    return error(
        "ValidationException",
        f"1 validation error detected: Value '{shown}' at '{field}' failed to satisfy constraint: {constraint}",
    )


def invalid_parameter(field: str, reason: str) -> CommonServiceException:
    return error("InvalidParameterException", f"Invalid parameter at '{field}' failed to satisfy constraint: '{reason}'")


def check_string(field, value, *, min_len=None, max_len=None, pattern=None, code="ValidationException"):
    """Length and pattern constraints of a string member."""
    if value is None:
        return
    problems = []
    if min_len is not None and len(value) < min_len:
        problems.append(f"Member must have length greater than or equal to {min_len}")
    if max_len is not None and len(value) > max_len:
        problems.append(f"Member must have length less than or equal to {max_len}")
    if pattern is not None and not re.fullmatch(pattern, value):
        problems.append(f"Member must satisfy regular expression pattern: {pattern}")
    if problems:
        if code == "ValidationException":
            raise validation_error(field, value, "; ".join(problems))
        raise invalid_parameter(field, "; ".join(problems))


def check_enum(field, value, allowed, code="ValidationException"):
    if value is not None and value not in allowed:
        constraint = f"Member must satisfy enum value set: [{', '.join(allowed)}]"
        if code == "ValidationException":
            raise validation_error(field, value, constraint)
        raise invalid_parameter(field, constraint)


def check_list(field, value, *, min_items=None, max_items=None, code="ValidationException"):
    if value is None:
        return
    problems = []
    if min_items is not None and len(value) < min_items:
        problems.append(f"Member must have length greater than or equal to {min_items}")
    if max_items is not None and len(value) > max_items:
        problems.append(f"Member must have length less than or equal to {max_items}")
    if problems:
        if code == "ValidationException":
            raise validation_error(field, value, "; ".join(problems))
        raise invalid_parameter(field, "; ".join(problems))


# ------------------------------------------------------------- common [API]

REGISTRY_ID_PATTERN = r"[0-9]{12}"
# DescribePullThroughCacheRules / DescribeRepositoryCreationTemplates: maxResults 1..1000,
# 100 results per page when maxResults is not given.
MAX_RESULTS_MIN, MAX_RESULTS_MAX, DEFAULT_PAGE_SIZE = 1, 1000, 100
CUSTOM_ROLE_ARN_MAX = 2048
TAG_KEY_MAX, TAG_VALUE_MAX = 128, 256
# Tags per resource: the AWS-wide tag restriction ECR documents for its resources.
TAGS_PER_RESOURCE_MAX = 50


def check_registry_id(value):
    check_string("registryId", value, pattern=REGISTRY_ID_PATTERN)


def check_max_results(value):
    if value is not None and not (MAX_RESULTS_MIN <= value <= MAX_RESULTS_MAX):
        raise validation_error(
            "maxResults", str(value), f"Member must have value between {MAX_RESULTS_MIN} and {MAX_RESULTS_MAX}"
        )


def check_custom_role_arn(value):
    # [API] CustomRoleArn: max length 2048. The role must be in the registry's own account.
    check_string("customRoleArn", value, max_len=CUSTOM_ROLE_ARN_MAX)


# ---------------------------------------------------- pull through cache [API][PTC]

# PullThroughCacheRuleRepositoryPrefix (ecrRepositoryPrefix, upstreamRepositoryPrefix, and the
# ecrRepositoryPrefixes filter): 2..30 characters, lowercase path segments, optional trailing
# slash, or the literal ROOT. "There is always an assumed / applied to the end of the prefix":
# `prod` and `prod/` name the same rule here.
PTC_PREFIX_MIN, PTC_PREFIX_MAX = 2, 30
PTC_PREFIX_PATTERN = r"^([a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*\/?|ROOT)$"
PTC_PREFIX_FILTER_MAX_ITEMS = 100  # ecrRepositoryPrefixes: 1..100 items

# CredentialArn: 50..612 characters, a Secrets Manager secret whose name starts with
# `ecr-pullthroughcache/` [API]; the secret must be in the rule's account and Region [PTC].
CREDENTIAL_ARN_MIN, CREDENTIAL_ARN_MAX = 50, 612
CREDENTIAL_ARN_PATTERN = r"^arn:aws(-\w+)*:secretsmanager:[a-zA-Z0-9-:]+:secret:ecr\-pullthroughcache\/[a-zA-Z0-9\/_+=.@-]+$"

# Upstream registries and the URL syntax of each [API CreatePullThroughCacheRule.upstreamRegistryUrl];
# Chainguard's URL is from [PTC]. `auth` is how the upstream is authenticated [PTC]:
#   none   - no authentication (a credentialArn may still be given),
#   secret - needs a Secrets Manager secret (credentialArn),
#   role   - Amazon ECR upstream, authenticated with an IAM role (customRoleArn).
UPSTREAM_REGISTRIES = [
    # (upstreamRegistry, URL regex, auth)
    ("ecr", r"(?P<account>[0-9]{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(\.cn)?", "role"),
    ("ecr-public", r"public\.ecr\.aws", "none"),
    ("docker-hub", r"registry-1\.docker\.io", "secret"),
    ("github-container-registry", r"ghcr\.io", "secret"),
    ("gitlab-container-registry", r"registry\.gitlab\.com", "secret"),
    ("k8s", r"registry\.k8s\.io", "none"),
    ("azure-container-registry", r"[a-z0-9][a-z0-9-]*\.azurecr\.io", "secret"),
    ("quay", r"quay\.io", "none"),
    ("chainguard", r"cgr\.dev", "secret"),
]
UPSTREAM_REGISTRY_NAMES = [name for name, _, _ in UPSTREAM_REGISTRIES]

# Pull through cache rules per registry. The quota page could not be read when this was
# written; 50 is the value remembered from it, not checked against the current table.
PTC_RULES_PER_REGISTRY_MAX = 50


def check_ptc_prefix(field, value):
    check_string(field, value, min_len=PTC_PREFIX_MIN, max_len=PTC_PREFIX_MAX, pattern=PTC_PREFIX_PATTERN)


def ptc_key(prefix: str) -> str:
    """Rules are identified by their prefix with the assumed trailing slash removed."""
    return prefix if prefix == "ROOT" else prefix.rstrip("/")


def upstream_of(url: str):
    """(upstreamRegistry, auth, match) for an upstream registry URL, or None if unsupported.
    The URL is taken as a host name; a scheme in front of it is tolerated."""
    host = re.sub(r"^https?://", "", url.strip()).rstrip("/")
    for name, pattern, auth in UPSTREAM_REGISTRIES:
        m = re.fullmatch(pattern, host)
        if m:
            return name, auth, m
    return None


def check_credential_arn(value, account_id, region):
    check_string(
        "credentialArn", value, min_len=CREDENTIAL_ARN_MIN, max_len=CREDENTIAL_ARN_MAX, pattern=CREDENTIAL_ARN_PATTERN
    )
    if value is None:
        return
    # arn:aws:secretsmanager:<region>:<account>:secret:ecr-pullthroughcache/<name>
    parts = value.split(":")
    if len(parts) >= 5 and (parts[3] != region or parts[4] != account_id):
        # [PTC] "The account and Region that the secret is in must match the account and Region
        # that the pull through cache rule is in." Such a secret cannot be found from the rule.
        raise error(
            "SecretNotFoundException",
            f"The secret '{value}' was not found in account '{account_id}' in Region '{region}'. "
            "The secret must be in the same account and Region as the pull through cache rule.",
        )


def check_new_ptc_rule(request, account_id, region):
    """All rules of CreatePullThroughCacheRule; returns (key, upstreamRegistry, upstreamRepositoryPrefix)."""
    check_registry_id(request.get("registryId"))
    prefix = request.get("ecrRepositoryPrefix")
    check_ptc_prefix("ecrRepositoryPrefix", prefix)
    upstream_prefix = request.get("upstreamRepositoryPrefix")
    check_ptc_prefix("upstreamRepositoryPrefix", upstream_prefix)
    check_enum("upstreamRegistry", request.get("upstreamRegistry"), UPSTREAM_REGISTRY_NAMES)
    check_custom_role_arn(request.get("customRoleArn"))

    url = request.get("upstreamRegistryUrl") or ""
    found = upstream_of(url)
    if found is None:
        raise error(
            "UnsupportedUpstreamRegistryException",
            f"The specified upstream registry '{url}' isn't supported. Supported registries: "
            + ", ".join(UPSTREAM_REGISTRY_NAMES),
        )
    upstream, auth, match = found
    given = request.get("upstreamRegistry")
    if given and given != upstream:
        raise invalid_parameter(
            "upstreamRegistry", f"upstreamRegistry '{given}' does not match upstreamRegistryUrl '{url}' ({upstream})"
        )

    credential = request.get("credentialArn")
    role = request.get("customRoleArn")
    if auth == "secret" and not credential:
        raise invalid_parameter("credentialArn", f"A credentialArn is required for the upstream registry {upstream}")
    if auth == "role":
        if credential:
            raise invalid_parameter("credentialArn", "A credentialArn can't be used with an Amazon ECR upstream registry")
        if match.group("account") != account_id and not role:
            # [PTC] cross-account ECR to ECR needs an IAM role in the downstream account.
            raise invalid_parameter(
                "customRoleArn", "A customRoleArn is required for an Amazon ECR upstream registry in another account"
            )
    elif role:
        raise invalid_parameter("customRoleArn", "A customRoleArn can only be used with an Amazon ECR upstream registry")
    check_credential_arn(credential, account_id, region)
    check_role_account(role, account_id)

    if upstream_prefix is not None:
        # [PTC] The upstream repository prefix can only be set when the ECR repository prefix is
        # not ROOT, and it belongs to ECR to ECR pull through cache.
        if ptc_key(prefix) == "ROOT" and upstream_prefix != "ROOT":
            raise invalid_parameter(
                "upstreamRepositoryPrefix", "upstreamRepositoryPrefix can only be set when ecrRepositoryPrefix is not ROOT"
            )
        if upstream != "ecr":
            raise invalid_parameter(
                "upstreamRepositoryPrefix", "upstreamRepositoryPrefix can only be used with an Amazon ECR upstream registry"
            )
    elif upstream == "ecr":
        upstream_prefix = "ROOT"  # [API] "When this field isn't specified, Amazon ECR will use the ROOT."
    return ptc_key(prefix), upstream, upstream_prefix


def check_role_account(role, account_id):
    # [API] customRoleArn: "This role must be in the same account as the registry that you are configuring."
    if role:
        m = re.match(r"^arn:aws[a-z-]*:iam::([0-9]{12}):role/.+", role)
        if not m:
            raise invalid_parameter("customRoleArn", "customRoleArn must be the ARN of an IAM role")
        if m.group(1) != account_id:
            raise invalid_parameter(
                "customRoleArn", "The role must be in the same account as the registry that you are configuring"
            )


# ------------------------------------------------ repository creation templates [API]

# Prefix: 1..256 characters, repository-name-like path or ROOT; trailing slash assumed.
RCT_PREFIX_MIN, RCT_PREFIX_MAX = 1, 256
RCT_PREFIX_PATTERN = PTC_PREFIX_PATTERN
RCT_DESCRIPTION_MAX = 256
RCT_REPOSITORY_POLICY_MAX = 10240
RCT_LIFECYCLE_POLICY_MAX = 30720  # also the "Lifecycle policy length" quota [QUO]
RCT_APPLIED_FOR = ["REPLICATION", "PULL_THROUGH_CACHE", "CREATE_ON_PUSH"]
ENCRYPTION_TYPES = ["AES256", "KMS", "KMS_DSSE"]
RCT_KMS_KEY_MAX = 2048
RCT_KMS_KEY_PATTERN = r"^$|arn:aws[a-z0-9-]*:kms:[a-z0-9-]+:[0-9]{12}:key\/[a-z0-9-]+"
IMAGE_TAG_MUTABILITY = ["MUTABLE", "IMMUTABLE", "IMMUTABLE_WITH_EXCLUSION", "MUTABLE_WITH_EXCLUSION"]
WITH_EXCLUSION = ("IMMUTABLE_WITH_EXCLUSION", "MUTABLE_WITH_EXCLUSION")
EXCLUSION_FILTERS_MIN, EXCLUSION_FILTERS_MAX = 1, 5
EXCLUSION_FILTER_PATTERN = r"^[0-9a-zA-Z._*-]{1,128}$"
# Repository creation templates per registry: not in the quota table as far as it could be read;
# a generous cap so the LimitExceededException path exists.
RCT_PER_REGISTRY_MAX = 100


def check_rct_prefix(field, value):
    check_string(field, value, min_len=RCT_PREFIX_MIN, max_len=RCT_PREFIX_MAX, pattern=RCT_PREFIX_PATTERN)


def rct_key(prefix: str) -> str:
    return ptc_key(prefix)


def check_exclusion_filters(mutability, filters, code="ValidationException"):
    """imageTagMutabilityExclusionFilters: 1..5 WILDCARD filters of [0-9a-zA-Z._*-]{1,128}, given
    exactly when imageTagMutability is one of the *_WITH_EXCLUSION values."""
    check_enum("imageTagMutability", mutability, IMAGE_TAG_MUTABILITY, code=code)
    if filters is not None:
        check_list(
            "imageTagMutabilityExclusionFilters", filters, min_items=EXCLUSION_FILTERS_MIN, max_items=EXCLUSION_FILTERS_MAX, code=code
        )
        for i, f in enumerate(filters):
            check_enum(f"imageTagMutabilityExclusionFilters.{i + 1}.member.filterType", f.get("filterType"), ["WILDCARD"], code=code)
            check_string(
                f"imageTagMutabilityExclusionFilters.{i + 1}.member.filter", f.get("filter") or "", pattern=EXCLUSION_FILTER_PATTERN, code=code
            )
    if mutability in WITH_EXCLUSION and not filters:
        raise invalid_parameter(
            "imageTagMutabilityExclusionFilters",
            f"ImageTagMutabilityExclusionFilters can't be null when imageTagMutability is set as {mutability}",
        )
    if filters and mutability not in WITH_EXCLUSION:
        raise invalid_parameter(
            "imageTagMutabilityExclusionFilters",
            f"ImageTagMutabilityExclusionFilters can only be used when imageTagMutability is set as "
            f"{' or '.join(WITH_EXCLUSION)}, not {mutability or 'MUTABLE'}",
        )


def check_encryption(config, *, kms_key_pattern=None, kms_key_max=RCT_KMS_KEY_MAX, code="ValidationException"):
    if config is None:
        return
    check_enum("encryptionConfiguration.encryptionType", config.get("encryptionType"), ENCRYPTION_TYPES, code=code)
    key = config.get("kmsKey")
    check_string("encryptionConfiguration.kmsKey", key, max_len=kms_key_max, pattern=kms_key_pattern, code=code)
    if key and config.get("encryptionType") == "AES256":
        # [API EncryptionConfiguration] kmsKey only applies to KMS / KMS_DSSE encryption.
        raise invalid_parameter("encryptionConfiguration.kmsKey", "kmsKey can only be specified with KMS or KMS_DSSE encryption")


def check_tags(field, tags):
    if tags is None:
        return
    if len(tags) > TAGS_PER_RESOURCE_MAX:
        raise invalid_parameter(field, f"A resource can have at most {TAGS_PER_RESOURCE_MAX} tags")
    seen = set()
    for t in tags:
        key, value = t.get("Key") or "", t.get("Value")
        if not (1 <= len(key) <= TAG_KEY_MAX) or value is None or len(value) > TAG_VALUE_MAX or key.lower().startswith("aws:"):
            raise invalid_parameter(field, f"Invalid tag {key!r}")
        if key in seen:
            raise invalid_parameter(field, f"Duplicate tag key {key!r}")
        seen.add(key)


def check_json_document(field, text):
    if text in (None, ""):
        return
    try:
        doc = json.loads(text)
    except ValueError:
        raise invalid_parameter(field, "Invalid JSON")
    if not isinstance(doc, dict):
        raise invalid_parameter(field, "Invalid JSON object")


def check_template_fields(request, *, creating: bool):
    """CreateRepositoryCreationTemplate / UpdateRepositoryCreationTemplate."""
    check_rct_prefix("prefix", request.get("prefix"))
    check_string("description", request.get("description"), max_len=RCT_DESCRIPTION_MAX)
    check_encryption(request.get("encryptionConfiguration"), kms_key_pattern=RCT_KMS_KEY_PATTERN)
    check_tags("resourceTags", request.get("resourceTags"))
    applied = request.get("appliedFor")
    if applied is not None:
        for i, a in enumerate(applied):
            check_enum(f"appliedFor.{i + 1}.member", a, RCT_APPLIED_FOR)
    elif creating:
        raise validation_error("appliedFor", "null", "Member must not be null")
    check_string("repositoryPolicy", request.get("repositoryPolicy"), max_len=RCT_REPOSITORY_POLICY_MAX)
    check_json_document("repositoryPolicy", request.get("repositoryPolicy"))
    check_string("lifecyclePolicy", request.get("lifecyclePolicy"), max_len=RCT_LIFECYCLE_POLICY_MAX)
    if request.get("lifecyclePolicy"):
        check_lifecycle_policy(request["lifecyclePolicy"], field="lifecyclePolicy")
    check_custom_role_arn(request.get("customRoleArn"))


# ------------------------------------------------------------- lifecycle [LCP]

# The policy template documents, besides the classic expire rules:
#   selection.storageClass  "standard" | "archive"
#   selection.countType     imageCountMoreThan | sinceImagePushed | sinceImagePulled | sinceImageTransitioned
#   action.type             expire | transition, action.targetStorageClass "archive"
# storageClass is required (and must be archive) with sinceImageTransitioned; the other count
# types select standard images. targetStorageClass is required with, and only allowed with,
# a transition. The since* count types need countUnit "days".
LCP_COUNT_TYPES = ["imageCountMoreThan", "sinceImagePushed", "sinceImagePulled", "sinceImageTransitioned"]
LCP_SINCE_COUNT_TYPES = LCP_COUNT_TYPES[1:]
LCP_STORAGE_CLASSES = ["standard", "archive"]
LCP_ACTION_TYPES = ["expire", "transition"]
LCP_TARGET_STORAGE_CLASSES = ["archive"]


def _lcp_error(reason):
    return invalid_parameter("LifecyclePolicyText", f"Lifecycle policy validation failure: {reason}")


def check_lifecycle_policy(text, field="lifecyclePolicyText"):
    """The newer lifecycle rule forms; the classic checks stay with moto's validator."""
    try:
        doc = json.loads(text)
        rules = doc["rules"]
        assert isinstance(rules, list)
    except Exception:
        raise _lcp_error("Could not map policyString into LifecyclePolicy.")
    for rule in rules:
        if not isinstance(rule, dict):
            raise _lcp_error("each rule must be an object")
        sel = rule.get("selection") or {}
        act = rule.get("action") or {}
        count_type = sel.get("countType")
        storage = sel.get("storageClass")
        if count_type is not None and count_type not in LCP_COUNT_TYPES:
            raise _lcp_error(f"instance value ({count_type}) not found in enum (possible values: {json.dumps(LCP_COUNT_TYPES)})")
        if storage is not None and storage not in LCP_STORAGE_CLASSES:
            raise _lcp_error(f"instance value ({storage}) not found in enum (possible values: {json.dumps(LCP_STORAGE_CLASSES)})")
        if count_type == "sinceImageTransitioned" and storage != "archive":
            raise _lcp_error("storageClass must be archive when countType is sinceImageTransitioned")
        if count_type != "sinceImageTransitioned" and storage == "archive":
            raise _lcp_error(f"storageClass archive can only be selected with countType sinceImageTransitioned, not {count_type}")
        if count_type in LCP_SINCE_COUNT_TYPES and sel.get("countUnit") is None:
            raise _lcp_error(f"countUnit is required when countType is {count_type}")
        kind = act.get("type")
        if kind is not None and kind not in LCP_ACTION_TYPES:
            raise _lcp_error(f"instance value ({kind}) not found in enum (possible values: {json.dumps(LCP_ACTION_TYPES)})")
        target = act.get("targetStorageClass")
        if kind == "transition":
            if target not in LCP_TARGET_STORAGE_CLASSES:
                raise _lcp_error("targetStorageClass must be archive when the action type is transition")
            if storage == "archive":
                raise _lcp_error("images in archive storage can't be transitioned again")
        elif target is not None:
            raise _lcp_error("targetStorageClass can only be used with the action type transition")
    return doc


# ---------------------------------------------------------- registry settings

# [SCAN] PutRegistryScanningConfiguration: at most 2 rules; each rule 0..100 WILDCARD filters of
# ^[a-z0-9*](?:[._\-/a-z0-9*]?[a-z0-9*]+)*$ (1..255 chars). ENHANCED supports CONTINUOUS_SCAN and
# SCAN_ON_PUSH; BASIC supports SCAN_ON_PUSH (MANUAL is what a repository gets without a rule).
SCAN_TYPES = ["BASIC", "ENHANCED"]
SCAN_FREQUENCIES = ["SCAN_ON_PUSH", "CONTINUOUS_SCAN", "MANUAL"]
SCAN_FREQUENCIES_BY_TYPE = {"BASIC": ["SCAN_ON_PUSH", "MANUAL"], "ENHANCED": ["SCAN_ON_PUSH", "CONTINUOUS_SCAN", "MANUAL"]}
SCAN_RULES_MAX = 2
SCAN_FILTERS_MAX = 100
SCAN_FILTER_PATTERN = r"^[a-z0-9*](?:[._\-/a-z0-9*]?[a-z0-9*]+)*$"


def check_scanning_configuration(request):
    scan_type = request.get("scanType")
    rules = request.get("rules")
    check_enum("scanType", scan_type, SCAN_TYPES)
    check_list("rules", rules, max_items=SCAN_RULES_MAX)
    for i, rule in enumerate(rules or []):
        freq = rule.get("scanFrequency")
        check_enum(f"rules.{i + 1}.member.scanFrequency", freq, SCAN_FREQUENCIES)
        filters = rule.get("repositoryFilters") or []
        check_list(f"rules.{i + 1}.member.repositoryFilters", filters, max_items=SCAN_FILTERS_MAX)
        for j, f in enumerate(filters):
            where = f"rules.{i + 1}.member.repositoryFilters.{j + 1}.member"
            check_enum(f"{where}.filterType", f.get("filterType"), ["WILDCARD"])
            check_string(f"{where}.filter", f.get("filter") or "", min_len=1, max_len=255, pattern=SCAN_FILTER_PATTERN)
        allowed = SCAN_FREQUENCIES_BY_TYPE[scan_type or "BASIC"]
        if freq not in allowed:
            raise invalid_parameter(
                f"rules.{i + 1}.member.scanFrequency",
                f"Scan frequency {freq} is not supported for scan type {scan_type or 'BASIC'}",
            )


# [API] PutReplicationConfiguration: 0..10 rules; each rule 0..100 destinations {region 2..25
# chars [0-9a-z-], registryId 12 digits}, optional 1..100 PREFIX_MATCH filters of 2..256 chars.
# [QUO] "Filters per rule in a replication configuration": 100.
REPLICATION_RULES_MAX = 10
REPLICATION_DESTINATIONS_MAX = 100
REPLICATION_FILTERS_MIN, REPLICATION_FILTERS_MAX = 1, 100
REPLICATION_FILTER_PATTERN = r"^(?:[a-z0-9]+(?:[._-][a-z0-9]*)*/)*[a-z0-9]*(?:[._-][a-z0-9]*)*$"
REGION_PATTERN = r"[0-9a-z-]{2,25}"


def check_replication_configuration(config, account_id, region):
    rules = (config or {}).get("rules")
    if rules is None:
        raise validation_error("replicationConfiguration.rules", "null", "Member must not be null")
    check_list("replicationConfiguration.rules", rules, max_items=REPLICATION_RULES_MAX)
    for i, rule in enumerate(rules):
        where = f"replicationConfiguration.rules.{i + 1}.member"
        dests = rule.get("destinations") or []
        check_list(f"{where}.destinations", dests, max_items=REPLICATION_DESTINATIONS_MAX)
        for j, d in enumerate(dests):
            check_string(f"{where}.destinations.{j + 1}.member.region", d.get("region") or "", min_len=2, max_len=25, pattern=REGION_PATTERN)
            check_string(f"{where}.destinations.{j + 1}.member.registryId", d.get("registryId") or "", pattern=REGISTRY_ID_PATTERN)
            if d.get("region") == region and d.get("registryId") == account_id:
                raise invalid_parameter(
                    "replicationConfiguration", "Replication destination cannot be the same as the source registry"
                )
        filters = rule.get("repositoryFilters")
        check_list(f"{where}.repositoryFilters", filters, min_items=REPLICATION_FILTERS_MIN, max_items=REPLICATION_FILTERS_MAX)
        for j, f in enumerate(filters or []):
            check_enum(f"{where}.repositoryFilters.{j + 1}.member.filterType", f.get("filterType"), ["PREFIX_MATCH"])
            check_string(
                f"{where}.repositoryFilters.{j + 1}.member.filter", f.get("filter") or "", min_len=2, max_len=256, pattern=REPLICATION_FILTER_PATTERN
            )


# [REG] Registry policy scope V2 (the default) allows every ECR action in the registry policy;
# V1 only enforces ecr:ReplicateImage, ecr:BatchImportUpstreamImage and ecr:CreateRepository, and
# "If any additional actions are added to the registry policy, an error will occur" (ecr:* may
# still be added). The scope is the account setting REGISTRY_POLICY_SCOPE. Actions of other
# services are rejected under both. PolicyText: 0..10240 chars [API].
REGISTRY_POLICY_MAX = 10240
REGISTRY_POLICY_V1_ACTIONS = {"ecr:replicateimage", "ecr:batchimportupstreamimage", "ecr:createrepository", "ecr:*", "*"}


def check_registry_policy(text, scope="V2"):
    check_string("policyText", text, max_len=REGISTRY_POLICY_MAX)
    try:
        doc = json.loads(text)
        statements = doc["Statement"]
        if isinstance(statements, dict):
            statements = [statements]
        assert isinstance(statements, list) and statements
    except Exception:
        raise invalid_parameter("PolicyText", "Invalid registry policy provided")
    for st in statements:
        actions = st.get("Action", []) if isinstance(st, dict) else None
        if actions is None:
            raise invalid_parameter("PolicyText", "Invalid registry policy provided")
        if isinstance(actions, str):
            actions = [actions]
        for a in actions:
            if not (isinstance(a, str) and (a == "*" or a.lower().startswith("ecr:"))):
                raise invalid_parameter("PolicyText", "Invalid registry policy provided")
            if scope == "V1" and a.lower() not in REGISTRY_POLICY_V1_ACTIONS:
                raise invalid_parameter(
                    "PolicyText",
                    f"Invalid registry policy provided: {a} is not supported with registry policy scope V1",
                )


# ------------------------------------------------------------ account settings

# [API PutAccountSetting/GetAccountSetting] name: 1..64 characters; value: no constraint in the
# model. The valid pairs are only in the prose of `value`: basic scan type AWS_NATIVE, registry
# policy scope V1 or V2, blob mounting ENABLED or DISABLED. CLAIR, the other basic scan type of
# older versions of the page, is gone: [DOC-HIST] "As of February 2, 2026, Clair-based image
# scanning has been deprecated and all ECR accounts have been migrated to Amazon native basic
# scanning". The docs do not say which error an unknown name or value gets; both operations list
# InvalidParameterException, so that is what is answered.
# Defaults (what GetAccountSetting answers before any put; the API pages are silent):
#   REGISTRY_POLICY_SCOPE  V2          [REG] "The V2 version is the default registry policy scope."
#   BASIC_SCAN_TYPE_VERSION AWS_NATIVE [DOC-HIST] the only basic scan implementation left
#   BLOB_MOUNTING          DISABLED    [BLOB] blob mounting is something one "enables"
ACCOUNT_SETTING_NAME_MIN, ACCOUNT_SETTING_NAME_MAX = 1, 64
ACCOUNT_SETTINGS = {
    # name: (valid values, default)
    "BASIC_SCAN_TYPE_VERSION": (["AWS_NATIVE"], "AWS_NATIVE"),
    "REGISTRY_POLICY_SCOPE": (["V1", "V2"], "V2"),
    "BLOB_MOUNTING": (["ENABLED", "DISABLED"], "DISABLED"),
}


def check_account_setting_name(name) -> str:
    if name is None:
        raise validation_error("name", "null", "Member must not be null")
    check_string("name", name, min_len=ACCOUNT_SETTING_NAME_MIN, max_len=ACCOUNT_SETTING_NAME_MAX)
    if name not in ACCOUNT_SETTINGS:
        raise invalid_parameter("name", f"Valid account setting names are: {', '.join(ACCOUNT_SETTINGS)}")
    return name


def check_account_setting(name, value) -> tuple[str, str]:
    name = check_account_setting_name(name)
    if value is None:
        raise validation_error("value", "null", "Member must not be null")
    allowed = ACCOUNT_SETTINGS[name][0]
    if value not in allowed:
        raise invalid_parameter("value", f"Valid values for {name} are: {', '.join(allowed)}")
    return name, value


# ----------------------------------------------------- managed signing [API][SIGN]

# SigningConfiguration.rules: 0..10 (required); SigningRule.signingProfileArn: required, at most
# 200 characters, pattern below; SigningRule.repositoryFilters: optional, 1..100 items ("If no
# filters are specified, all images pushed to the registry are signed"); SigningRepositoryFilter:
# filter (1..256, pattern below) and filterType (WILDCARD_MATCH only), both required.
# [SIGN] "Cross-region signing is not supported — Signing profiles must be in the same region as
# your Amazon ECR registry"; "Cross-account signing is supported". The error code for a profile in
# another Region is not documented: InvalidParameterException here. Whether the profile exists is
# not checked (there is no Signer here; the docs do not say AWS checks it on put).
SIGNING_RULES_MAX = 10
SIGNING_FILTERS_MIN, SIGNING_FILTERS_MAX = 1, 100
SIGNING_PROFILE_ARN_MAX = 200
SIGNING_PROFILE_ARN_PATTERN = r"^arn:aws(-[a-z]+)*:signer:[a-z0-9-]+:[0-9]{12}:\/signing-profiles\/[a-zA-Z0-9_]{2,}$"
SIGNING_FILTER_MIN, SIGNING_FILTER_MAX = 1, 256
SIGNING_FILTER_PATTERN = r"^(?:[a-z0-9*]+(?:[._-][a-z0-9*]+)*/)*[a-z0-9*]+(?:[._-][a-z0-9*]+)*$"
SIGNING_FILTER_TYPES = ["WILDCARD_MATCH"]


def check_signing_configuration(config, region) -> list:
    """PutSigningConfiguration: returns the rules as they are stored (only the modelled members)."""
    if config is None:
        raise validation_error("signingConfiguration", "null", "Member must not be null")
    rules = config.get("rules")
    if rules is None:
        raise validation_error("signingConfiguration.rules", "null", "Member must not be null")
    check_list("signingConfiguration.rules", rules, max_items=SIGNING_RULES_MAX)
    stored = []
    for i, rule in enumerate(rules):
        where = f"signingConfiguration.rules.{i + 1}.member"
        arn = rule.get("signingProfileArn")
        if arn is None:
            raise validation_error(f"{where}.signingProfileArn", "null", "Member must not be null")
        check_string(f"{where}.signingProfileArn", arn, max_len=SIGNING_PROFILE_ARN_MAX, pattern=SIGNING_PROFILE_ARN_PATTERN)
        filters = rule.get("repositoryFilters")
        check_list(f"{where}.repositoryFilters", filters, min_items=SIGNING_FILTERS_MIN, max_items=SIGNING_FILTERS_MAX)
        for j, f in enumerate(filters or []):
            fwhere = f"{where}.repositoryFilters.{j + 1}.member"
            for member in ("filter", "filterType"):
                if f.get(member) is None:
                    raise validation_error(f"{fwhere}.{member}", "null", "Member must not be null")
            check_string(f"{fwhere}.filter", f["filter"], min_len=SIGNING_FILTER_MIN, max_len=SIGNING_FILTER_MAX, pattern=SIGNING_FILTER_PATTERN)
            check_enum(f"{fwhere}.filterType", f["filterType"], SIGNING_FILTER_TYPES)
        profile_region = arn.split(":")[3]
        if profile_region != region:
            raise invalid_parameter(
                f"{where}.signingProfileArn",
                f"The signing profile must be in the same Region as the registry ({region}), not {profile_region}",
            )
        entry = {"signingProfileArn": arn}
        if filters is not None:
            entry["repositoryFilters"] = [{"filter": f["filter"], "filterType": f["filterType"]} for f in filters]
        stored.append(entry)
    return stored


# ------------------------------------------------ pull-time update exclusions [API][PTUE]

# PrincipalArn: at most 200 characters, an IAM role or user ARN (pattern below). [PTUE] "You can
# configure up to 100 exclusions per account" (kept per account and Region here, like every
# registry setting; the API calls it "the pull time update exclusion list for a registry").
# ListPullTimeUpdateExclusions: maxResults 1..1000; the response list holds at most 100.
# Duplicates: ExclusionAlreadyExistsException; unknown on deregister: ExclusionNotFoundException.
# Whether the principal must exist, or be in the registry's account, is not documented: neither
# is checked.
PRINCIPAL_ARN_MAX = 200
PRINCIPAL_ARN_PATTERN = r"^arn:aws(-[a-z]+)*:iam::[0-9]{12}:(role|user)/[\w+=,.@-]+(/[\w+=,.@-]+)*$"
PULL_TIME_EXCLUSIONS_MAX = 100


def check_principal_arn(value) -> str:
    if value is None:
        raise validation_error("principalArn", "null", "Member must not be null")
    check_string("principalArn", value, max_len=PRINCIPAL_ARN_MAX, pattern=PRINCIPAL_ARN_PATTERN)
    return value
