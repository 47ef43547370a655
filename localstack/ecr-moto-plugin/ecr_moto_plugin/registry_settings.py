"""
Pull through cache rules, repository creation templates, account settings, the
managed signing configuration and pull-time update exclusions, which moto does
not implement: kept here in memory, one store per account and region, like
moto's own backends. The validation rules live in rules.py.
"""

import base64
import copy
import threading
from datetime import datetime, timezone

from . import rules as r

_LOCK = threading.RLock()
_STORES: dict = {}


class RegistryStore:
    def __init__(self):
        self.ptc_rules: dict[str, dict] = {}  # key (prefix without trailing /) -> rule
        self.templates: dict[str, dict] = {}  # key (prefix without trailing /) -> template
        self.account_settings: dict[str, str] = {}  # only the settings that were put
        self.signing_rules: list | None = None  # None: no signing configuration
        self.pull_time_exclusions: dict[str, datetime] = {}  # principal ARN -> createdAt


def store_for(context) -> RegistryStore:
    with _LOCK:
        return _STORES.setdefault((context.account_id, context.region), RegistryStore())


def _now():
    return datetime.now(timezone.utc)


# ----------------------------------------------------------------- pagination


def encode_token(kind: str, offset: int) -> str:
    return base64.urlsafe_b64encode(f"{kind}:{offset}".encode()).decode()


def decode_token(kind: str, token: str) -> int:
    try:
        prefix, _, offset = base64.urlsafe_b64decode(token.encode()).decode().partition(":")
        if prefix != kind or int(offset) < 0:
            raise ValueError(token)
        return int(offset)
    except Exception:
        raise r.invalid_parameter("nextToken", "Invalid nextToken")


def page(kind: str, items: list, request) -> tuple[list, str | None]:
    r.check_max_results(request.get("maxResults"))
    start = decode_token(kind, request["nextToken"]) if request.get("nextToken") else 0
    size = request.get("maxResults") or r.DEFAULT_PAGE_SIZE
    end = start + size
    return items[start:end], (encode_token(kind, end) if end < len(items) else None)


# ------------------------------------------------------- pull through cache rules

_RULE_FIELDS = (
    "ecrRepositoryPrefix",
    "upstreamRegistryUrl",
    "createdAt",
    "registryId",
    "credentialArn",
    "customRoleArn",
    "upstreamRepositoryPrefix",
    "upstreamRegistry",
    "updatedAt",
)


def _rule_view(rule: dict, fields=_RULE_FIELDS) -> dict:
    return {k: copy.deepcopy(rule[k]) for k in fields if rule.get(k) is not None}


def _rule_not_found(prefix, account_id):
    return r.error(
        "PullThroughCacheRuleNotFoundException",
        f"The pull through cache rule with prefix '{prefix}' does not exist in the registry with id '{account_id}'",
    )


def _get_rule(context, request) -> dict:
    r.check_registry_id(request.get("registryId"))
    prefix = request.get("ecrRepositoryPrefix")
    r.check_ptc_prefix("ecrRepositoryPrefix", prefix)
    rule = store_for(context).ptc_rules.get(r.ptc_key(prefix))
    if rule is None:
        raise _rule_not_found(prefix, context.account_id)
    return rule


def create_pull_through_cache_rule(context, request):
    key, upstream, upstream_prefix = r.check_new_ptc_rule(request, context.account_id, context.region)
    store = store_for(context)
    with _LOCK:
        if key in store.ptc_rules:
            raise r.error(
                "PullThroughCacheRuleAlreadyExistsException",
                f"A pull through cache rule with the prefix '{request['ecrRepositoryPrefix']}' already exists "
                f"in the registry with id '{context.account_id}'",
            )
        if len(store.ptc_rules) >= r.PTC_RULES_PER_REGISTRY_MAX:
            raise r.error(
                "LimitExceededException",
                f"The maximum number of pull through cache rules ({r.PTC_RULES_PER_REGISTRY_MAX}) "
                f"in the registry with id '{context.account_id}' has been reached",
            )
        now = _now()
        rule = {
            "ecrRepositoryPrefix": request["ecrRepositoryPrefix"],
            "upstreamRegistryUrl": request["upstreamRegistryUrl"],
            "createdAt": now,
            "updatedAt": now,
            "registryId": context.account_id,
            "credentialArn": request.get("credentialArn"),
            "customRoleArn": request.get("customRoleArn"),
            "upstreamRepositoryPrefix": upstream_prefix,
            "upstreamRegistry": upstream,
        }
        store.ptc_rules[key] = rule
    # CreatePullThroughCacheRuleResponse has no updatedAt.
    return _rule_view(rule, tuple(f for f in _RULE_FIELDS if f != "updatedAt"))


def describe_pull_through_cache_rules(context, request):
    r.check_registry_id(request.get("registryId"))
    prefixes = request.get("ecrRepositoryPrefixes")
    r.check_list("ecrRepositoryPrefixes", prefixes, min_items=1, max_items=r.PTC_PREFIX_FILTER_MAX_ITEMS)
    store = store_for(context)
    with _LOCK:
        if prefixes:
            for i, p in enumerate(prefixes):
                r.check_ptc_prefix(f"ecrRepositoryPrefixes.{i + 1}.member", p)
            missing = [p for p in prefixes if r.ptc_key(p) not in store.ptc_rules]
            if missing:
                raise _rule_not_found(missing[0], context.account_id)
            keys = sorted({r.ptc_key(p) for p in prefixes})
        else:
            keys = sorted(store.ptc_rules)
        items = [_rule_view(store.ptc_rules[k]) for k in keys]
    items, token = page("ptc", items, request)
    response = {"pullThroughCacheRules": items}
    if token:
        response["nextToken"] = token
    return response


def update_pull_through_cache_rule(context, request):
    r.check_custom_role_arn(request.get("customRoleArn"))
    with _LOCK:
        rule = _get_rule(context, request)
        credential, role = request.get("credentialArn"), request.get("customRoleArn")
        found = r.upstream_of(rule["upstreamRegistryUrl"])
        auth = found[1] if found else "none"
        if credential is not None:
            if auth == "role":
                raise r.invalid_parameter("credentialArn", "A credentialArn can't be used with an Amazon ECR upstream registry")
            r.check_credential_arn(credential, context.account_id, context.region)
        if role is not None:
            if auth != "role":
                raise r.invalid_parameter("customRoleArn", "A customRoleArn can only be used with an Amazon ECR upstream registry")
            r.check_role_account(role, context.account_id)
        if credential is not None:
            rule["credentialArn"] = credential
        if role is not None:
            rule["customRoleArn"] = role
        rule["updatedAt"] = _now()
        return _rule_view(
            rule, ("ecrRepositoryPrefix", "registryId", "updatedAt", "credentialArn", "customRoleArn", "upstreamRepositoryPrefix")
        )


def delete_pull_through_cache_rule(context, request):
    with _LOCK:
        rule = _get_rule(context, request)
        del store_for(context).ptc_rules[r.ptc_key(rule["ecrRepositoryPrefix"])]
    return _rule_view(
        rule,
        ("ecrRepositoryPrefix", "upstreamRegistryUrl", "createdAt", "registryId", "credentialArn", "customRoleArn", "upstreamRepositoryPrefix"),
    )


def validate_pull_through_cache_rule(context, request):
    # No network: a stored rule has passed every check at creation, so it is reported valid.
    rule = _get_rule(context, request)
    view = _rule_view(
        rule, ("ecrRepositoryPrefix", "registryId", "upstreamRegistryUrl", "credentialArn", "customRoleArn", "upstreamRepositoryPrefix")
    )
    view["isValid"] = True
    return view


# --------------------------------------------------- repository creation templates

_TEMPLATE_FIELDS = (
    "description",
    "encryptionConfiguration",
    "resourceTags",
    "imageTagMutability",
    "imageTagMutabilityExclusionFilters",
    "repositoryPolicy",
    "lifecyclePolicy",
    "appliedFor",
    "customRoleArn",
)


def _template_view(t: dict) -> dict:
    return {k: copy.deepcopy(v) for k, v in t.items() if v is not None}


def _template_not_found(prefix, account_id):
    return r.error(
        "TemplateNotFoundException",
        f"The repository creation template with prefix '{prefix}' does not exist in the registry with id '{account_id}'",
    )


def _dedupe(values):
    return list(dict.fromkeys(values))


def create_repository_creation_template(context, request):
    r.check_template_fields(request, creating=True)
    mutability = request.get("imageTagMutability") or "MUTABLE"
    r.check_exclusion_filters(mutability, request.get("imageTagMutabilityExclusionFilters"))
    key = r.rct_key(request["prefix"])
    store = store_for(context)
    with _LOCK:
        if key in store.templates:
            raise r.error(
                "TemplateAlreadyExistsException",
                f"The repository creation template with prefix '{request['prefix']}' already exists "
                f"in the registry with id '{context.account_id}'",
            )
        if len(store.templates) >= r.RCT_PER_REGISTRY_MAX:
            raise r.error(
                "LimitExceededException",
                f"The maximum number of repository creation templates ({r.RCT_PER_REGISTRY_MAX}) "
                f"in the registry with id '{context.account_id}' has been reached",
            )
        now = _now()
        template = {"prefix": request["prefix"]}
        for f in _TEMPLATE_FIELDS:
            template[f] = copy.deepcopy(request.get(f))
        template["imageTagMutability"] = mutability
        template["appliedFor"] = _dedupe(request["appliedFor"])
        if template["encryptionConfiguration"] is None:
            template["encryptionConfiguration"] = {"encryptionType": "AES256"}
        if template["resourceTags"] is None:
            template["resourceTags"] = []
        template["createdAt"] = now
        template["updatedAt"] = now
        store.templates[key] = template
        return {"registryId": context.account_id, "repositoryCreationTemplate": _template_view(template)}


def describe_repository_creation_templates(context, request):
    prefixes = request.get("prefixes")
    for i, p in enumerate(prefixes or []):
        r.check_rct_prefix(f"prefixes.{i + 1}.member", p)
    store = store_for(context)
    with _LOCK:
        if prefixes:
            keys = sorted({r.rct_key(p) for p in prefixes} & set(store.templates))
        else:
            keys = sorted(store.templates)
        items = [_template_view(store.templates[k]) for k in keys]
    items, token = page("rct", items, request)
    response = {"registryId": context.account_id, "repositoryCreationTemplates": items}
    if token:
        response["nextToken"] = token
    return response


def update_repository_creation_template(context, request):
    """Fields left out of the request keep their value; the *_WITH_EXCLUSION rule is checked on
    the result (so changing imageTagMutability back to MUTABLE without filters drops them)."""
    r.check_template_fields(request, creating=False)
    key = r.rct_key(request["prefix"])
    store = store_for(context)
    with _LOCK:
        template = store.templates.get(key)
        if template is None:
            raise _template_not_found(request["prefix"], context.account_id)
        updated = copy.deepcopy(template)
        for f in _TEMPLATE_FIELDS:
            if request.get(f) is not None:
                updated[f] = copy.deepcopy(request[f])
        if request.get("imageTagMutability") and request.get("imageTagMutabilityExclusionFilters") is None:
            if request["imageTagMutability"] not in r.WITH_EXCLUSION:
                updated["imageTagMutabilityExclusionFilters"] = None
        r.check_exclusion_filters(updated["imageTagMutability"], updated.get("imageTagMutabilityExclusionFilters"))
        if request.get("appliedFor") is not None:
            updated["appliedFor"] = _dedupe(request["appliedFor"])
        updated["updatedAt"] = _now()
        store.templates[key] = updated
        return {"registryId": context.account_id, "repositoryCreationTemplate": _template_view(updated)}


def delete_repository_creation_template(context, request):
    r.check_rct_prefix("prefix", request.get("prefix"))
    key = r.rct_key(request["prefix"])
    store = store_for(context)
    with _LOCK:
        template = store.templates.pop(key, None)
        if template is None:
            raise _template_not_found(request["prefix"], context.account_id)
    return {"registryId": context.account_id, "repositoryCreationTemplate": _template_view(template)}


# ------------------------------------------------------------- account settings


def account_setting(context, name: str) -> str:
    """The value of an account setting: the one put, else the default (rules.ACCOUNT_SETTINGS)."""
    with _LOCK:
        return store_for(context).account_settings.get(name, r.ACCOUNT_SETTINGS[name][1])


def get_account_setting(context, request):
    name = r.check_account_setting_name(request.get("name"))
    return {"name": name, "value": account_setting(context, name)}


def put_account_setting(context, request):
    name, value = r.check_account_setting(request.get("name"), request.get("value"))
    with _LOCK:
        store_for(context).account_settings[name] = value
    return {"name": name, "value": value}


# ---------------------------------------------------------------- managed signing


def _signing_not_found(account_id):
    return r.error(
        "SigningConfigurationNotFoundException",
        f"The signing configuration does not exist in the registry with id '{account_id}'",
    )


def put_signing_configuration(context, request):
    # Replaces the whole configuration; the response has only signingConfiguration [API].
    rules = r.check_signing_configuration(request.get("signingConfiguration"), context.region)
    with _LOCK:
        store_for(context).signing_rules = rules
    return {"signingConfiguration": {"rules": copy.deepcopy(rules)}}


def get_signing_configuration(context, request):
    with _LOCK:
        rules = store_for(context).signing_rules
        if rules is None:
            raise _signing_not_found(context.account_id)
        return {"registryId": context.account_id, "signingConfiguration": {"rules": copy.deepcopy(rules)}}


def delete_signing_configuration(context, request):
    with _LOCK:
        store = store_for(context)
        if store.signing_rules is None:
            raise _signing_not_found(context.account_id)
        rules, store.signing_rules = store.signing_rules, None
    return {"registryId": context.account_id, "signingConfiguration": {"rules": rules}}


# ---------------------------------------------------------- pull-time update exclusions


def register_pull_time_update_exclusion(context, request):
    arn = r.check_principal_arn(request.get("principalArn"))
    with _LOCK:
        store = store_for(context)
        if arn in store.pull_time_exclusions:
            raise r.error(
                "ExclusionAlreadyExistsException",
                f"The pull time update exclusion for principal '{arn}' already exists in the registry with id '{context.account_id}'",
            )
        if len(store.pull_time_exclusions) >= r.PULL_TIME_EXCLUSIONS_MAX:
            raise r.error(
                "LimitExceededException",
                f"The maximum number of pull time update exclusions ({r.PULL_TIME_EXCLUSIONS_MAX}) "
                f"in the registry with id '{context.account_id}' has been reached",
            )
        created = store.pull_time_exclusions[arn] = _now()
    return {"principalArn": arn, "createdAt": created}


def deregister_pull_time_update_exclusion(context, request):
    arn = r.check_principal_arn(request.get("principalArn"))
    with _LOCK:
        if store_for(context).pull_time_exclusions.pop(arn, None) is None:
            raise r.error(
                "ExclusionNotFoundException",
                f"The pull time update exclusion for principal '{arn}' does not exist in the registry with id '{context.account_id}'",
            )
    return {"principalArn": arn}


def list_pull_time_update_exclusions(context, request):
    # The order is not documented: sorted by ARN here, so pages are stable.
    with _LOCK:
        items = sorted(store_for(context).pull_time_exclusions)
    items, token = page("ptue", items, request)
    response = {"pullTimeUpdateExclusions": items}
    if token:
        response["nextToken"] = token
    return response


HANDLERS = {
    "CreatePullThroughCacheRule": create_pull_through_cache_rule,
    "DescribePullThroughCacheRules": describe_pull_through_cache_rules,
    "UpdatePullThroughCacheRule": update_pull_through_cache_rule,
    "DeletePullThroughCacheRule": delete_pull_through_cache_rule,
    "ValidatePullThroughCacheRule": validate_pull_through_cache_rule,
    "CreateRepositoryCreationTemplate": create_repository_creation_template,
    "DescribeRepositoryCreationTemplates": describe_repository_creation_templates,
    "UpdateRepositoryCreationTemplate": update_repository_creation_template,
    "DeleteRepositoryCreationTemplate": delete_repository_creation_template,
    "GetAccountSetting": get_account_setting,
    "PutAccountSetting": put_account_setting,
    "PutSigningConfiguration": put_signing_configuration,
    "GetSigningConfiguration": get_signing_configuration,
    "DeleteSigningConfiguration": delete_signing_configuration,
    "RegisterPullTimeUpdateExclusion": register_pull_time_update_exclusion,
    "DeregisterPullTimeUpdateExclusion": deregister_pull_time_update_exclusion,
    "ListPullTimeUpdateExclusions": list_pull_time_update_exclusions,
}
