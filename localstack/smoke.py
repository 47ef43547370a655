"""Smoke check of every IAM/STS/ECR/SSM call the project uses, against a running
LocalStack. Prints what each call returns where behaviour matters.

    localstack/.venv/bin/python localstack/smoke.py [endpoint]

Exits non-zero if any check fails.
"""

import json
import os
import random
import sys
import urllib.parse

import boto3
from botocore.exceptions import ClientError

ENDPOINT = sys.argv[1] if len(sys.argv) > 1 else f"http://127.0.0.1:{os.environ.get('BETEKK_LOCALSTACK_PORT', '4566')}"
REGION = "ap-southeast-1"
FAILED = []


def account_key():
    return "".join(random.choice("0123456789") for _ in range(12))


def clients(key):
    s = boto3.session.Session(aws_access_key_id=key, aws_secret_access_key="test", region_name=REGION)
    return (s.client(n, endpoint_url=ENDPOINT) for n in ("iam", "sts", "ecr"))


def check(name, cond, detail=""):
    print(f"[{'ok' if cond else 'FAIL'}] {name}{': ' + str(detail) if detail != '' else ''}")
    if not cond:
        FAILED.append(name)


def note(name, detail):
    print(f"[note] {name}: {detail}")


def error_of(fn, **kw):
    try:
        fn(**kw)
    except ClientError as e:
        return e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"]
    return None


KEY = account_key()
KEY2 = account_key()
iam, sts, ecr = clients(KEY)
_, sts2, ecr2 = clients(KEY2)

# ---------------------------------------------------------------- STS
ident = sts.get_caller_identity()
check("sts.GetCallerIdentity account == access key", ident["Account"] == KEY, ident["Arn"])
check("second key maps to its own account", sts2.get_caller_identity()["Account"] == KEY2)

# ---------------------------------------------------------------- ECR
LIFECYCLE = '{"rules":[{"rulePriority":1,"description":"x","selection":{"tagStatus":"untagged","countType":"sinceImagePushed","countUnit":"days","countNumber":14},"action":{"type":"expire"}}]}'
POLICY = '{"Version":"2012-10-17","Statement":[{"Sid":"a","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::%s:root"},"Action":["ecr:GetDownloadUrlForLayer","ecr:BatchGetImage"]}]}' % KEY

repo = ecr.create_repository(
    repositoryName="team/app",
    imageTagMutability="IMMUTABLE",
    imageScanningConfiguration={"scanOnPush": True},
    encryptionConfiguration={"encryptionType": "KMS", "kmsKey": f"arn:aws:kms:{REGION}:{KEY}:key/abcd"},
    tags=[{"Key": "env", "Value": "test"}, {"Key": "owner", "Value": "me"}],
)["repository"]
check("ecr.CreateRepository", repo["repositoryName"] == "team/app", repo)
check("ECR ARN contains the account id", f":{KEY}:" in repo["repositoryArn"], repo["repositoryArn"])
check("CreateRepository returns encryptionConfiguration KMS", repo.get("encryptionConfiguration", {}).get("encryptionType") == "KMS", repo.get("encryptionConfiguration"))
ecr.create_repository(repositoryName="plain")
check("CreateRepository on existing name -> RepositoryAlreadyExistsException",
      error_of(ecr.create_repository, repositoryName="plain") == ("RepositoryAlreadyExistsException", 400),
      error_of(ecr.create_repository, repositoryName="plain"))

d = ecr.describe_repositories(repositoryNames=["team/app"])["repositories"][0]
check("DescribeRepositories returns encryptionConfiguration", "encryptionConfiguration" in d, d.get("encryptionConfiguration"))
check("DescribeRepositories imageTagMutability/scanOnPush", d["imageTagMutability"] == "IMMUTABLE" and d["imageScanningConfiguration"]["scanOnPush"], d)
note("DescribeRepositories item keys", sorted(d))
check("second account cannot see first account's repos", ecr2.describe_repositories()["repositories"] == [])
check("DescribeRepositories(repositoryNames=[missing]) -> RepositoryNotFoundException",
      error_of(ecr.describe_repositories, repositoryNames=["nope"]) == ("RepositoryNotFoundException", 400),
      error_of(ecr.describe_repositories, repositoryNames=["nope"]))

for i in range(5):
    ecr.create_repository(repositoryName=f"page/r{i}")
pages, token, names = 0, None, []
while True:
    kw = {"maxResults": 2}
    if token:
        kw["nextToken"] = token
    r = ecr.describe_repositories(**kw)
    pages += 1
    names += [x["repositoryName"] for x in r["repositories"]]
    token = r.get("nextToken")
    if not token:
        break
check("DescribeRepositories paginates with maxResults/nextToken", pages == 4 and len(names) == 7 == len(set(names)), f"{pages} pages: {names}")
note("DescribeRepositories without maxResults (7 repos) has nextToken", "nextToken" in ecr.describe_repositories())
note("DescribeRepositories bad nextToken", error_of(ecr.describe_repositories, nextToken="garbage"))

arn = repo["repositoryArn"]
tags = ecr.list_tags_for_resource(resourceArn=arn)["tags"]
check("ListTagsForResource on ECR ARN returns CreateRepository tags", {t["Key"]: t["Value"] for t in tags} == {"env": "test", "owner": "me"}, tags)
ecr.tag_resource(resourceArn=arn, tags=[{"Key": "env", "Value": "prod"}, {"Key": "new", "Value": "1"}])
ecr.untag_resource(resourceArn=arn, tagKeys=["owner"])
tags = ecr.list_tags_for_resource(resourceArn=arn)["tags"]
check("TagResource (overwrite+add) / UntagResource", {t["Key"]: t["Value"] for t in tags} == {"env": "prod", "new": "1"}, tags)
note("ListTagsForResource on missing repo ARN", error_of(ecr.list_tags_for_resource, resourceArn=arn.replace("team/app", "nope")))

r = ecr.put_image_tag_mutability(repositoryName="team/app", imageTagMutability="MUTABLE")
check("PutImageTagMutability", r["imageTagMutability"] == "MUTABLE" and ecr.describe_repositories(repositoryNames=["team/app"])["repositories"][0]["imageTagMutability"] == "MUTABLE", r)
r = ecr.put_image_scanning_configuration(repositoryName="team/app", imageScanningConfiguration={"scanOnPush": False})
check("PutImageScanningConfiguration", r["imageScanningConfiguration"] == {"scanOnPush": False} and not ecr.describe_repositories(repositoryNames=["team/app"])["repositories"][0]["imageScanningConfiguration"]["scanOnPush"], r)

# Lifecycle policy
check("GetLifecyclePolicy before put -> LifecyclePolicyNotFoundException",
      error_of(ecr.get_lifecycle_policy, repositoryName="team/app") == ("LifecyclePolicyNotFoundException", 400),
      error_of(ecr.get_lifecycle_policy, repositoryName="team/app"))
r = ecr.put_lifecycle_policy(repositoryName="team/app", lifecyclePolicyText=LIFECYCLE)
check("PutLifecyclePolicy", r["repositoryName"] == "team/app", {k: v for k, v in r.items() if k != "ResponseMetadata"})
g = ecr.get_lifecycle_policy(repositoryName="team/app")
check("GetLifecyclePolicy", json.loads(g["lifecyclePolicyText"]) == json.loads(LIFECYCLE))
note("GetLifecyclePolicy text returned verbatim", g["lifecyclePolicyText"] == LIFECYCLE)
if g["lifecyclePolicyText"] != LIFECYCLE:
    note("GetLifecyclePolicy text", g["lifecyclePolicyText"])
note("GetLifecyclePolicy keys", sorted(k for k in g if k != "ResponseMetadata"))
pretty = json.dumps(json.loads(LIFECYCLE), indent=2)
ecr.put_lifecycle_policy(repositoryName="team/app", lifecyclePolicyText=pretty)
note("GetLifecyclePolicy verbatim for indented input", ecr.get_lifecycle_policy(repositoryName="team/app")["lifecyclePolicyText"] == pretty)
note("PutLifecyclePolicy invalid JSON", error_of(ecr.put_lifecycle_policy, repositoryName="team/app", lifecyclePolicyText="not json " * 12))
d = ecr.delete_lifecycle_policy(repositoryName="team/app")
check("DeleteLifecyclePolicy", "lifecyclePolicyText" in d, sorted(k for k in d if k != "ResponseMetadata"))
check("DeleteLifecyclePolicy again -> LifecyclePolicyNotFoundException",
      error_of(ecr.delete_lifecycle_policy, repositoryName="team/app") == ("LifecyclePolicyNotFoundException", 400),
      error_of(ecr.delete_lifecycle_policy, repositoryName="team/app"))
note("GetLifecyclePolicy on missing repo", error_of(ecr.get_lifecycle_policy, repositoryName="nope"))

# Repository policy
check("GetRepositoryPolicy before set -> RepositoryPolicyNotFoundException",
      error_of(ecr.get_repository_policy, repositoryName="team/app") == ("RepositoryPolicyNotFoundException", 400),
      error_of(ecr.get_repository_policy, repositoryName="team/app"))
r = ecr.set_repository_policy(repositoryName="team/app", policyText=POLICY)
check("SetRepositoryPolicy", r["repositoryName"] == "team/app")
note("SetRepositoryPolicy response policyText verbatim", r.get("policyText") == POLICY)
g = ecr.get_repository_policy(repositoryName="team/app")
check("GetRepositoryPolicy", json.loads(g["policyText"]) == json.loads(POLICY))
note("GetRepositoryPolicy text returned verbatim", g["policyText"] == POLICY)
if g["policyText"] != POLICY:
    note("GetRepositoryPolicy text", g["policyText"])
pretty = json.dumps(json.loads(POLICY), indent=2)
ecr.set_repository_policy(repositoryName="team/app", policyText=pretty)
note("GetRepositoryPolicy verbatim for indented input", ecr.get_repository_policy(repositoryName="team/app")["policyText"] == pretty)
d = ecr.delete_repository_policy(repositoryName="team/app")
check("DeleteRepositoryPolicy", "policyText" in d)
check("DeleteRepositoryPolicy again -> RepositoryPolicyNotFoundException",
      error_of(ecr.delete_repository_policy, repositoryName="team/app") == ("RepositoryPolicyNotFoundException", 400),
      error_of(ecr.delete_repository_policy, repositoryName="team/app"))
note("GetRepositoryPolicy on missing repo", error_of(ecr.get_repository_policy, repositoryName="nope"))
note("SetRepositoryPolicy with invalid JSON", error_of(ecr.set_repository_policy, repositoryName="team/app", policyText="nope"))

# Images
manifest = json.dumps({
    "schemaVersion": 2,
    "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
    "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": 7023,
               "digest": "sha256:" + "a" * 64},
    "layers": [{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "size": 32654,
                "digest": "sha256:" + "b" * 64}],
})
r = ecr.put_image(repositoryName="plain", imageManifest=manifest, imageTag="v1")
check("PutImage", r["image"]["imageId"]["imageTag"] == "v1", r["image"]["imageId"])
imgs = ecr.list_images(repositoryName="plain")["imageIds"]
check("ListImages", len(imgs) == 1 and imgs[0].get("imageTag") == "v1", imgs)
for t in ("v2", "v3"):
    ecr.put_image(repositoryName="plain", imageManifest=manifest.replace("7023", "70" + t[1]), imageTag=t)
r1 = ecr.list_images(repositoryName="plain", maxResults=2)
r2 = ecr.list_images(repositoryName="plain", maxResults=2, nextToken=r1["nextToken"])
check("ListImages paginates", len(r1["imageIds"]) == 2 and len(r2["imageIds"]) == 1 and "nextToken" not in r2, (r1["imageIds"], r2["imageIds"]))
note("PutImage same tag again (identical manifest)", error_of(ecr.put_image, repositoryName="plain", imageManifest=manifest, imageTag="v1") or "ok")
note("PutImage digest = sha256 of joined layer digests, not of the manifest (moto)", r["image"]["imageId"]["imageDigest"])
note("PutImage on missing repo", error_of(ecr.put_image, repositoryName="nope", imageManifest=manifest, imageTag="v1"))
note("ListImages on missing repo", error_of(ecr.list_images, repositoryName="nope"))
check("DeleteRepository (no force) with images -> RepositoryNotEmptyException",
      error_of(ecr.delete_repository, repositoryName="plain") == ("RepositoryNotEmptyException", 400),
      error_of(ecr.delete_repository, repositoryName="plain"))
r = ecr.delete_repository(repositoryName="plain", force=True)
check("DeleteRepository force=True", r["repository"]["repositoryName"] == "plain")
check("DeleteRepository missing -> RepositoryNotFoundException",
      error_of(ecr.delete_repository, repositoryName="plain") == ("RepositoryNotFoundException", 400),
      error_of(ecr.delete_repository, repositoryName="plain"))
r = ecr.delete_repository(repositoryName="page/r0")
check("DeleteRepository (no force) empty repo", r["repository"]["repositoryName"] == "page/r0")
note("PutImageTagMutability on missing repo", error_of(ecr.put_image_tag_mutability, repositoryName="nope", imageTagMutability="MUTABLE"))
note("TagResource on missing repo ARN", error_of(ecr.tag_resource, resourceArn=arn.replace("team/app", "nope"), tags=[{"Key": "a", "Value": "b"}]))
note("CreateRepository invalid name 'UPPER'", error_of(ecr.create_repository, repositoryName="UPPER"))
note("CreateRepository encryption AES256 with kmsKey", error_of(ecr.create_repository, repositoryName="aeskms", encryptionConfiguration={"encryptionType": "AES256", "kmsKey": "x"}))
note("CreateRepository KMS without kmsKey -> encryptionConfiguration", (ecr.create_repository(repositoryName="kmsdefault", encryptionConfiguration={"encryptionType": "KMS"})["repository"].get("encryptionConfiguration")))

# ---------------------------------------------------------------- ECR registry-wide settings
check("GetRegistryScanningConfiguration before put: BASIC, no rules",
      ecr.get_registry_scanning_configuration()["scanningConfiguration"] == {"scanType": "BASIC", "rules": []})
scan_rules = [{"scanFrequency": "CONTINUOUS_SCAN", "repositoryFilters": [{"filter": "team/*", "filterType": "WILDCARD"}]},
              {"scanFrequency": "SCAN_ON_PUSH", "repositoryFilters": [{"filter": "*", "filterType": "WILDCARD"}]}]
ecr.put_registry_scanning_configuration(scanType="ENHANCED", rules=scan_rules)
check("Put/GetRegistryScanningConfiguration", ecr.get_registry_scanning_configuration()["scanningConfiguration"] == {"scanType": "ENHANCED", "rules": scan_rules})
check("PutRegistryScanningConfiguration BASIC + CONTINUOUS_SCAN -> InvalidParameterException",
      error_of(ecr.put_registry_scanning_configuration, scanType="BASIC", rules=scan_rules[:1]) == ("InvalidParameterException", 400))
ecr.put_registry_scanning_configuration(scanType="BASIC", rules=[])
check("DescribeRegistry before put: no replication rules", ecr.describe_registry()["replicationConfiguration"] == {"rules": []})
repl = {"rules": [{"destinations": [{"region": "us-east-1", "registryId": KEY}], "repositoryFilters": [{"filter": "team", "filterType": "PREFIX_MATCH"}]},
                  {"destinations": [{"region": "eu-west-1", "registryId": KEY2}]}]}
ecr.put_replication_configuration(replicationConfiguration=repl)
check("PutReplicationConfiguration (2 rules) / DescribeRegistry", ecr.describe_registry()["replicationConfiguration"] == repl)
ecr.put_replication_configuration(replicationConfiguration={"rules": []})
check("GetRegistryPolicy before put -> RegistryPolicyNotFoundException", error_of(ecr.get_registry_policy) == ("RegistryPolicyNotFoundException", 400))
REG_POLICY = json.dumps({"Version": "2012-10-17", "Statement": [{"Sid": "ptc", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{KEY}:root"},
                         "Action": ["ecr:CreateRepository", "ecr:BatchImportUpstreamImage"], "Resource": f"arn:aws:ecr:{REGION}:{KEY}:repository/*"}]})
ecr.put_registry_policy(policyText=REG_POLICY)
check("Put/GetRegistryPolicy", ecr.get_registry_policy()["policyText"] == REG_POLICY)
ecr.delete_registry_policy()
check("DeleteRegistryPolicy", error_of(ecr.delete_registry_policy) == ("RegistryPolicyNotFoundException", 400))
r = ecr.create_pull_through_cache_rule(ecrRepositoryPrefix="ecr-public", upstreamRegistryUrl="public.ecr.aws")
check("CreatePullThroughCacheRule", r["upstreamRegistry"] == "ecr-public" and r["registryId"] == KEY, {k: v for k, v in r.items() if k != "ResponseMetadata"})
hub_secret = f"arn:aws:secretsmanager:{REGION}:{KEY}:secret:ecr-pullthroughcache/docker-hub-AbCdEf"
ecr.create_pull_through_cache_rule(ecrRepositoryPrefix="docker-hub", upstreamRegistryUrl="registry-1.docker.io", credentialArn=hub_secret)
rules_ = ecr.describe_pull_through_cache_rules()["pullThroughCacheRules"]
check("DescribePullThroughCacheRules", sorted(x["ecrRepositoryPrefix"] for x in rules_) == ["docker-hub", "ecr-public"], rules_)
check("CreatePullThroughCacheRule docker-hub without credentialArn -> InvalidParameterException",
      error_of(ecr.create_pull_through_cache_rule, ecrRepositoryPrefix="hub2", upstreamRegistryUrl="registry-1.docker.io") == ("InvalidParameterException", 400))
ecr.update_pull_through_cache_rule(ecrRepositoryPrefix="docker-hub", credentialArn=hub_secret.replace("docker-hub-", "hub-v2-"))
check("UpdatePullThroughCacheRule", ecr.describe_pull_through_cache_rules(ecrRepositoryPrefixes=["docker-hub"])["pullThroughCacheRules"][0]["credentialArn"].endswith("hub-v2-AbCdEf"))
check("ValidatePullThroughCacheRule", ecr.validate_pull_through_cache_rule(ecrRepositoryPrefix="docker-hub")["isValid"])
ecr.delete_pull_through_cache_rule(ecrRepositoryPrefix="docker-hub")
check("DeletePullThroughCacheRule again -> PullThroughCacheRuleNotFoundException",
      error_of(ecr.delete_pull_through_cache_rule, ecrRepositoryPrefix="docker-hub") == ("PullThroughCacheRuleNotFoundException", 400))
t = ecr.create_repository_creation_template(prefix="ecr-public", appliedFor=["PULL_THROUGH_CACHE"], description="cached",
                                             imageTagMutability="IMMUTABLE_WITH_EXCLUSION",
                                             imageTagMutabilityExclusionFilters=[{"filterType": "WILDCARD", "filter": "latest"}],
                                             encryptionConfiguration={"encryptionType": "KMS"}, lifecyclePolicy=LIFECYCLE)
check("CreateRepositoryCreationTemplate", t["registryId"] == KEY and t["repositoryCreationTemplate"]["prefix"] == "ecr-public")
ecr.update_repository_creation_template(prefix="ecr-public", description="cached images")
d = ecr.describe_repository_creation_templates(prefixes=["ecr-public"])["repositoryCreationTemplates"]
check("Update/DescribeRepositoryCreationTemplates", len(d) == 1 and d[0]["description"] == "cached images", d)
check("CreateRepositoryCreationTemplate duplicate -> TemplateAlreadyExistsException",
      error_of(ecr.create_repository_creation_template, prefix="ecr-public", appliedFor=["REPLICATION"]) == ("TemplateAlreadyExistsException", 400))
ecr.delete_repository_creation_template(prefix="ecr-public")
check("DeleteRepositoryCreationTemplate again -> TemplateNotFoundException",
      error_of(ecr.delete_repository_creation_template, prefix="ecr-public") == ("TemplateNotFoundException", 400))
check("registry settings are per account", ecr2.describe_pull_through_cache_rules()["pullThroughCacheRules"] == [])
k1 = ecr.create_repository(repositoryName="kms-a", encryptionConfiguration={"encryptionType": "KMS"})["repository"]["encryptionConfiguration"]
k2 = ecr.create_repository(repositoryName="kms-b", encryptionConfiguration={"encryptionType": "KMS_DSSE"})["repository"]["encryptionConfiguration"]
check("KMS / KMS_DSSE without kmsKey: one AWS managed key per account+region", k1["kmsKey"] == k2["kmsKey"], (k1, k2))
r = ecr.put_image_tag_mutability(repositoryName="kms-a", imageTagMutability="MUTABLE_WITH_EXCLUSION",
                                 imageTagMutabilityExclusionFilters=[{"filterType": "WILDCARD", "filter": "dev-*"}])
check("PutImageTagMutability with exclusion filters", r.get("imageTagMutabilityExclusionFilters") == [{"filterType": "WILDCARD", "filter": "dev-*"}], r)
ARCHIVE = json.dumps({"rules": [
    {"rulePriority": 1, "selection": {"tagStatus": "any", "countType": "sinceImagePulled", "countUnit": "days", "countNumber": 30},
     "action": {"type": "transition", "targetStorageClass": "archive"}},
    {"rulePriority": 2, "selection": {"tagStatus": "any", "storageClass": "archive", "countType": "sinceImageTransitioned", "countUnit": "days", "countNumber": 90},
     "action": {"type": "expire"}}]})
check("PutLifecyclePolicy with transition/archive rules", error_of(ecr.put_lifecycle_policy, repositoryName="kms-a", lifecyclePolicyText=ARCHIVE) is None)

# ---------------------------------------------------------------- SSM (ownership records)
ssm = boto3.client("ssm", endpoint_url=ENDPOINT, aws_access_key_id=KEY, aws_secret_access_key="test", region_name=REGION)
ssm2 = boto3.client("ssm", endpoint_url=ENDPOINT, aws_access_key_id=KEY2, aws_secret_access_key="test", region_name=REGION)
ssm.put_parameter(Name="/betekk/ecr/own/a", Value="1", Type="String", Tags=[{"Key": "managed-by", "Value": "betekk"}])
ssm.put_parameter(Name="/betekk/ecr/own/a", Value="2", Type="String", Overwrite=True)
check("ssm.PutParameter (Tags on create, Overwrite) / GetParameter", ssm.get_parameter(Name="/betekk/ecr/own/a")["Parameter"]["Value"] == "2")
note("PutParameter Overwrite together with Tags", error_of(ssm.put_parameter, Name="/betekk/ecr/own/a", Value="3", Type="String", Overwrite=True, Tags=[{"Key": "k", "Value": "v"}]))
for i in range(3):
    ssm.put_parameter(Name=f"/betekk/ecr/own/sub/p{i}", Value=str(i), Type="String")
names, token = [], None
while True:
    kw = {"Path": "/betekk/ecr", "Recursive": True, "MaxResults": 2}
    if token:
        kw["NextToken"] = token
    r = ssm.get_parameters_by_path(**kw)
    names += [p["Name"] for p in r["Parameters"]]
    token = r.get("NextToken")
    if not token:
        break
check("GetParametersByPath Recursive + pagination", len(names) == 4 == len(set(names)), names)
ssm.add_tags_to_resource(ResourceType="Parameter", ResourceId="/betekk/ecr/own/a", Tags=[{"Key": "extra", "Value": "x"}])
tags = {t["Key"]: t["Value"] for t in ssm.list_tags_for_resource(ResourceType="Parameter", ResourceId="/betekk/ecr/own/a")["TagList"]}
check("AddTagsToResource / ListTagsForResource", tags == {"managed-by": "betekk", "extra": "x"}, tags)
check("SSM parameters are per account", error_of(ssm2.get_parameter, Name="/betekk/ecr/own/a") == ("ParameterNotFound", 400))
ssm.delete_parameter(Name="/betekk/ecr/own/a")
check("DeleteParameter", error_of(ssm.get_parameter, Name="/betekk/ecr/own/a") == ("ParameterNotFound", 400))

# ---------------------------------------------------------------- IAM OIDC
URL = "https://token.actions.githubusercontent.com"
o = iam.create_open_id_connect_provider(Url=URL, ClientIDList=["sts.amazonaws.com"], ThumbprintList=["a" * 40],
                                       Tags=[{"Key": "k", "Value": "v"}])
oarn = o["OpenIDConnectProviderArn"]
check("iam.CreateOpenIDConnectProvider", f"::{KEY}:oidc-provider/token.actions.githubusercontent.com" in oarn, oarn)
note("CreateOpenIDConnectProvider response keys", sorted(k for k in o if k != "ResponseMetadata"))
note("CreateOpenIDConnectProvider duplicate", error_of(iam.create_open_id_connect_provider, Url=URL, ClientIDList=["x"], ThumbprintList=["a" * 40]))
g = iam.get_open_id_connect_provider(OpenIDConnectProviderArn=oarn)
check("GetOpenIDConnectProvider", g["ClientIDList"] == ["sts.amazonaws.com"], {k: v for k, v in g.items() if k != "ResponseMetadata"})
lst = iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]
check("ListOpenIDConnectProviders", [x["Arn"] for x in lst] == [oarn], lst)
iam.add_client_id_to_open_id_connect_provider(OpenIDConnectProviderArn=oarn, ClientID="other")
iam.add_client_id_to_open_id_connect_provider(OpenIDConnectProviderArn=oarn, ClientID="other")
g = iam.get_open_id_connect_provider(OpenIDConnectProviderArn=oarn)
check("AddClientIDToOpenIDConnectProvider (twice is idempotent)", g["ClientIDList"] == ["sts.amazonaws.com", "other"], g["ClientIDList"])
iam.remove_client_id_from_open_id_connect_provider(OpenIDConnectProviderArn=oarn, ClientID="sts.amazonaws.com")
note("RemoveClientID not in list (AWS: idempotent no-op)", error_of(iam.remove_client_id_from_open_id_connect_provider, OpenIDConnectProviderArn=oarn, ClientID="absent") or "ok")
check("RemoveClientIDFromOpenIDConnectProvider", iam.get_open_id_connect_provider(OpenIDConnectProviderArn=oarn)["ClientIDList"] == ["other"])
iam.update_open_id_connect_provider_thumbprint(OpenIDConnectProviderArn=oarn, ThumbprintList=["b" * 40, "c" * 40])
check("UpdateOpenIDConnectProviderThumbprint", iam.get_open_id_connect_provider(OpenIDConnectProviderArn=oarn)["ThumbprintList"] == ["b" * 40, "c" * 40])
iam.tag_open_id_connect_provider(OpenIDConnectProviderArn=oarn, Tags=[{"Key": "k2", "Value": "v2"}])
g = iam.get_open_id_connect_provider(OpenIDConnectProviderArn=oarn)
check("TagOpenIDConnectProvider", {t["Key"] for t in g.get("Tags", [])} == {"k", "k2"}, g.get("Tags"))
try:
    t = iam.list_open_id_connect_provider_tags(OpenIDConnectProviderArn=oarn)["Tags"]
    note("ListOpenIDConnectProviderTags", t)
except ClientError as e:
    note("ListOpenIDConnectProviderTags", e.response["Error"])
missing_oidc = f"arn:aws:iam::{KEY}:oidc-provider/nope.example.com"
note("GetOpenIDConnectProvider missing", error_of(iam.get_open_id_connect_provider, OpenIDConnectProviderArn=missing_oidc))
note("AddClientID missing provider", error_of(iam.add_client_id_to_open_id_connect_provider, OpenIDConnectProviderArn=missing_oidc, ClientID="x"))
note("CreateOpenIDConnectProvider without ThumbprintList", error_of(iam.create_open_id_connect_provider, Url="https://nothumb.example.com", ClientIDList=["a"]))
iam.delete_open_id_connect_provider(OpenIDConnectProviderArn=oarn)
check("DeleteOpenIDConnectProvider", oarn not in [x["Arn"] for x in iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]])
note("DeleteOpenIDConnectProvider missing", error_of(iam.delete_open_id_connect_provider, OpenIDConnectProviderArn=oarn) or "ok")

# ---------------------------------------------------------------- IAM roles / policies
TRUST = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::%s:oidc-provider/x"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringLike":{"x:sub":"repo:a/b:*"}}}]}' % KEY
role = iam.create_role(RoleName="ci-role", Path="/ci/", AssumeRolePolicyDocument=TRUST, Description="d",
                       MaxSessionDuration=7200, Tags=[{"Key": "team", "Value": "x"}])["Role"]
check("CreateRole", role["Arn"] == f"arn:aws:iam::{KEY}:role/ci/ci-role", role["Arn"])
note("CreateRole AssumeRolePolicyDocument type (boto3 decodes)", type(role["AssumeRolePolicyDocument"]).__name__)
g = iam.get_role(RoleName="ci-role")["Role"]
check("GetRole", g["RoleName"] == "ci-role" and g["MaxSessionDuration"] == 7200, {k: g[k] for k in g if k != "AssumeRolePolicyDocument"})
note("GetRole returns Tags", g.get("Tags"))
# raw wire format of the trust policy: is it URL-encoded?
raw = {}
def grab(http_response, **kw):
    raw["body"] = http_response.content.decode()
iam.meta.events.register("after-call.iam.GetRole", lambda http_response, **kw: grab(http_response))
iam.get_role(RoleName="ci-role")
iam.meta.events.unregister("after-call.iam.GetRole")
start = raw["body"].find("<AssumeRolePolicyDocument>") + len("<AssumeRolePolicyDocument>")
wire = raw["body"][start:raw["body"].find("</AssumeRolePolicyDocument>")]
note("GetRole AssumeRolePolicyDocument on the wire", wire[:90] + "...")
note("GetRole AssumeRolePolicyDocument URL-encoded on the wire", wire.startswith("%7B"))
note("GetRole AssumeRolePolicyDocument after URL-decoding == input verbatim", urllib.parse.unquote(wire) == TRUST)
note("GetRole missing", error_of(iam.get_role, RoleName="nope"))
note("CreateRole duplicate", error_of(iam.create_role, RoleName="ci-role", AssumeRolePolicyDocument=TRUST))
iam.update_assume_role_policy(RoleName="ci-role", PolicyDocument=TRUST.replace("a/b", "c/d"))
check("UpdateAssumeRolePolicy", "c/d" in json.dumps(iam.get_role(RoleName="ci-role")["Role"]["AssumeRolePolicyDocument"]))
try:
    iam.update_role(RoleName="ci-role", Description="d2", MaxSessionDuration=3600)
    g = iam.get_role(RoleName="ci-role")["Role"]
    check("UpdateRole", g.get("Description") == "d2" and g["MaxSessionDuration"] == 3600, (g.get("Description"), g["MaxSessionDuration"]))
except ClientError as e:
    check("UpdateRole", False, e.response["Error"])
iam.tag_role(RoleName="ci-role", Tags=[{"Key": "t2", "Value": "y"}])
iam.untag_role(RoleName="ci-role", TagKeys=["team"])
check("TagRole/UntagRole/ListRoleTags", iam.list_role_tags(RoleName="ci-role")["Tags"] == [{"Key": "t2", "Value": "y"}], iam.list_role_tags(RoleName="ci-role")["Tags"])

for i in range(5):
    iam.create_role(RoleName=f"r{i}", AssumeRolePolicyDocument=TRUST, Tags=[{"Key": "i", "Value": str(i)}])
pages, marker, names, with_tags = 0, None, [], 0
while True:
    kw = {"MaxItems": 2}
    if marker:
        kw["Marker"] = marker
    r = iam.list_roles(**kw)
    pages += 1
    names += [x["RoleName"] for x in r["Roles"]]
    with_tags += sum(1 for x in r["Roles"] if "Tags" in x)
    if not r["IsTruncated"]:
        check("ListRoles IsTruncated=false has no Marker", "Marker" not in r, r.get("Marker"))
        break
    marker = r["Marker"]
check("ListRoles paginates (MaxItems/Marker/IsTruncated)", len(names) == 6 == len(set(names)) and pages == 3, f"{pages} pages: {names}")
note("ListRoles returns Tags for roles", f"{with_tags} of {len(names)} roles have a Tags key")
note("ListRoles PathPrefix=/ci/", [x["RoleName"] for x in iam.list_roles(PathPrefix="/ci/")["Roles"]])

DOC = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ecr:*","Resource":"*"}]}'
pol = iam.create_policy(PolicyName="p1", Path="/ci/", PolicyDocument=DOC, Description="pd",
                        Tags=[{"Key": "a", "Value": "b"}])["Policy"]
parn = pol["Arn"]
check("CreatePolicy", parn == f"arn:aws:iam::{KEY}:policy/ci/p1", pol)
g = iam.get_policy(PolicyArn=parn)["Policy"]
check("GetPolicy", g["DefaultVersionId"] == "v1", g)
note("GetPolicy missing", error_of(iam.get_policy, PolicyArn=f"arn:aws:iam::{KEY}:policy/nope"))
note("CreatePolicy duplicate", error_of(iam.create_policy, PolicyName="p1", Path="/ci/", PolicyDocument=DOC))
v2 = iam.create_policy_version(PolicyArn=parn, PolicyDocument=DOC.replace("ecr:*", "ecr:Get*"), SetAsDefault=True)["PolicyVersion"]
check("CreatePolicyVersion SetAsDefault", v2["VersionId"] == "v2" and v2["IsDefaultVersion"], v2)
vs = iam.list_policy_versions(PolicyArn=parn)["Versions"]
check("ListPolicyVersions", sorted(v["VersionId"] for v in vs) == ["v1", "v2"], [(v["VersionId"], v["IsDefaultVersion"]) for v in vs])
note("ListPolicyVersions order", [v["VersionId"] for v in vs])
gv = iam.get_policy_version(PolicyArn=parn, VersionId="v2")["PolicyVersion"]
check("GetPolicyVersion", gv["Document"]["Statement"][0]["Action"] == "ecr:Get*")
raw.clear()
iam.meta.events.register("after-call.iam.GetPolicyVersion", lambda http_response, **kw: grab(http_response))
iam.get_policy_version(PolicyArn=parn, VersionId="v2")
start = raw["body"].find("<Document>") + len("<Document>")
wire = raw["body"][start:raw["body"].find("</Document>")]
note("GetPolicyVersion Document on the wire", wire[:90] + "...")
note("GetPolicyVersion Document URL-encoded on the wire", wire.startswith("%7B"))
note("GetPolicyVersion Document after URL-decoding == input verbatim", urllib.parse.unquote(wire) == DOC.replace("ecr:*", "ecr:Get*"))
note("GetPolicyVersion missing version", error_of(iam.get_policy_version, PolicyArn=parn, VersionId="v9"))
iam.set_default_policy_version(PolicyArn=parn, VersionId="v1")
check("SetDefaultPolicyVersion", iam.get_policy(PolicyArn=parn)["Policy"]["DefaultVersionId"] == "v1")
note("DeletePolicyVersion of default version", error_of(iam.delete_policy_version, PolicyArn=parn, VersionId="v1"))
iam.delete_policy_version(PolicyArn=parn, VersionId="v2")
check("DeletePolicyVersion", [v["VersionId"] for v in iam.list_policy_versions(PolicyArn=parn)["Versions"]] == ["v1"])
for i in range(3, 7):
    iam.create_policy_version(PolicyArn=parn, PolicyDocument=DOC)
note("CreatePolicyVersion beyond 5 versions", error_of(iam.create_policy_version, PolicyArn=parn, PolicyDocument=DOC))
note("version ids after delete of v2 + 4 creates", [v["VersionId"] for v in iam.list_policy_versions(PolicyArn=parn)["Versions"]])
try:
    iam.tag_policy(PolicyArn=parn, Tags=[{"Key": "c", "Value": "d"}])
    note("TagPolicy/ListPolicyTags", iam.list_policy_tags(PolicyArn=parn)["Tags"])
except ClientError as e:
    note("TagPolicy", e.response["Error"])

for i in range(4):
    iam.create_policy(PolicyName=f"lp{i}", PolicyDocument=DOC)
pages, marker, names = 0, None, []
while True:
    kw = {"Scope": "Local", "MaxItems": 2}
    if marker:
        kw["Marker"] = marker
    r = iam.list_policies(**kw)
    pages += 1
    names += [x["PolicyName"] for x in r["Policies"]]
    if not r["IsTruncated"]:
        break
    marker = r["Marker"]
check("ListPolicies(Scope=Local) paginates", sorted(names) == ["lp0", "lp1", "lp2", "lp3", "p1"] and pages == 3, f"{pages} pages: {names}")
note("ListPolicies(Scope=Local) item keys", sorted(iam.list_policies(Scope="Local")["Policies"][0]))
note("ListPolicies(Scope=AWS) count (AWS managed policies)", len(iam.list_policies(Scope="AWS", MaxItems=1000)["Policies"]))

iam.attach_role_policy(RoleName="ci-role", PolicyArn=parn)
iam.attach_role_policy(RoleName="ci-role", PolicyArn=parn)
att = iam.list_attached_role_policies(RoleName="ci-role")["AttachedPolicies"]
check("AttachRolePolicy (twice) / ListAttachedRolePolicies", att == [{"PolicyName": "p1", "PolicyArn": parn}], att)
check("GetPolicy AttachmentCount", iam.get_policy(PolicyArn=parn)["Policy"]["AttachmentCount"] == 1, iam.get_policy(PolicyArn=parn)["Policy"]["AttachmentCount"])
note("AttachRolePolicy missing policy", error_of(iam.attach_role_policy, RoleName="ci-role", PolicyArn=f"arn:aws:iam::{KEY}:policy/nope"))
note("AttachRolePolicy AWS managed policy", error_of(iam.attach_role_policy, RoleName="ci-role", PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess") or "ok")
ents = iam.list_entities_for_policy(PolicyArn=parn)
note("ListEntitiesForPolicy roles", [r["RoleName"] for r in ents["PolicyRoles"]])
note("DeletePolicy while attached", error_of(iam.delete_policy, PolicyArn=parn))
note("DeleteRole with attached policy", error_of(iam.delete_role, RoleName="ci-role"))
iam.put_role_policy(RoleName="ci-role", PolicyName="inline", PolicyDocument=DOC)
check("PutRolePolicy/ListRolePolicies", iam.list_role_policies(RoleName="ci-role")["PolicyNames"] == ["inline"])
note("GetRolePolicy document type", type(iam.get_role_policy(RoleName="ci-role", PolicyName="inline")["PolicyDocument"]).__name__)
iam.delete_role_policy(RoleName="ci-role", PolicyName="inline")
iam.detach_role_policy(RoleName="ci-role", PolicyArn=parn)
iam.detach_role_policy(RoleName="ci-role", PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
check("DetachRolePolicy", iam.list_attached_role_policies(RoleName="ci-role")["AttachedPolicies"] == [])
note("DetachRolePolicy not attached", error_of(iam.detach_role_policy, RoleName="ci-role", PolicyArn=parn))
note("DeletePolicy with non-default versions", error_of(iam.delete_policy, PolicyArn=parn) or "ok (deleted)")
iam.delete_role(RoleName="ci-role")
check("DeleteRole", error_of(iam.get_role, RoleName="ci-role") == ("NoSuchEntity", 404))

# isolation across accounts for IAM
iam2 = boto3.client("iam", endpoint_url=ENDPOINT, aws_access_key_id=KEY2, aws_secret_access_key="t", region_name=REGION)
check("IAM roles are per account", [r["RoleName"] for r in iam2.list_roles()["Roles"]] == [])

print()
print(f"account {KEY}: {'ALL OK' if not FAILED else 'FAILED: ' + ', '.join(FAILED)}")
sys.exit(1 if FAILED else 0)
