"""Pull through cache rules: Create/Describe/Update/Delete/Validate and their errors."""

import datetime
import unittest

from helpers import REGION, AccountTestCase, client, new_account, strip


class PullThroughCacheRules(AccountTestCase):
    def create(self, prefix="ecr-public", url="public.ecr.aws", **kw):
        return strip(self.ecr.create_pull_through_cache_rule(ecrRepositoryPrefix=prefix, upstreamRegistryUrl=url, **kw))

    def test_create_describe_delete_roundtrip(self):
        created = self.create()
        self.assertEqual(created["ecrRepositoryPrefix"], "ecr-public")
        self.assertEqual(created["upstreamRegistryUrl"], "public.ecr.aws")
        self.assertEqual(created["upstreamRegistry"], "ecr-public")
        self.assertEqual(created["registryId"], self.account)
        self.assertIsInstance(created["createdAt"], datetime.datetime)
        self.assertNotIn("credentialArn", created)

        rules = self.ecr.describe_pull_through_cache_rules()["pullThroughCacheRules"]
        self.assertEqual(len(rules), 1)
        self.assertEqual(rules[0]["upstreamRegistry"], "ecr-public")
        self.assertIn("updatedAt", rules[0])

        deleted = strip(self.ecr.delete_pull_through_cache_rule(ecrRepositoryPrefix="ecr-public"))
        self.assertEqual(deleted["ecrRepositoryPrefix"], "ecr-public")
        self.assertEqual(deleted["upstreamRegistryUrl"], "public.ecr.aws")
        self.assertEqual(self.ecr.describe_pull_through_cache_rules()["pullThroughCacheRules"], [])

    def test_upstream_registry_derived_from_url(self):
        cases = [
            ("ecrpub", "public.ecr.aws", "ecr-public", {}),
            ("k8s", "registry.k8s.io", "k8s", {}),
            ("quay", "quay.io", "quay", {}),
            ("hub", "registry-1.docker.io", "docker-hub", {"credentialArn": self.secret_arn()}),
            ("ghcr", "ghcr.io", "github-container-registry", {"credentialArn": self.secret_arn()}),
            ("gitlab", "registry.gitlab.com", "gitlab-container-registry", {"credentialArn": self.secret_arn()}),
            ("azure", "myreg.azurecr.io", "azure-container-registry", {"credentialArn": self.secret_arn()}),
            ("chainguard", "cgr.dev", "chainguard", {"credentialArn": self.secret_arn()}),
            ("same-acct", f"{self.account}.dkr.ecr.us-west-2.amazonaws.com", "ecr", {}),
        ]
        for prefix, url, upstream, extra in cases:
            with self.subTest(url=url):
                r = self.create(prefix, url, **extra)
                self.assertEqual(r["upstreamRegistry"], upstream)
                if "credentialArn" in extra:
                    self.assertEqual(r["credentialArn"], extra["credentialArn"])

    def test_ecr_upstream_role_and_upstream_prefix(self):
        other = new_account()
        url = f"{other}.dkr.ecr.us-east-1.amazonaws.com"
        self.assertError("InvalidParameterException", self.create, "customRoleArn", prefix="mirror", url=url)
        r = self.create("mirror", url, customRoleArn=self.role_arn(), upstreamRepositoryPrefix="team-a")
        self.assertEqual(r["customRoleArn"], self.role_arn())
        self.assertEqual(r["upstreamRepositoryPrefix"], "team-a")
        r = self.create("mirror2", url, customRoleArn=self.role_arn())
        self.assertEqual(r["upstreamRepositoryPrefix"], "ROOT")
        r = self.create("ROOT", url, customRoleArn=self.role_arn())
        self.assertEqual(r["ecrRepositoryPrefix"], "ROOT")
        # the role must be in the registry's own account
        self.assertError("InvalidParameterException", self.create, prefix="m3", url=url, customRoleArn=self.role_arn(account=other))
        # ROOT may not be combined with an upstream prefix
        self.assertError("InvalidParameterException", self.create, prefix="ROOT", url=url, customRoleArn=self.role_arn(), upstreamRepositoryPrefix="x1")
        # credentials are for the secret-based registries only, roles for ECR only
        self.assertError("InvalidParameterException", self.create, prefix="m4", url=url, customRoleArn=self.role_arn(), credentialArn=self.secret_arn())
        self.assertError("InvalidParameterException", self.create, prefix="m5", url="quay.io", customRoleArn=self.role_arn())
        self.assertError("InvalidParameterException", self.create, prefix="m6", url="quay.io", upstreamRepositoryPrefix="abc")

    def test_already_exists_including_trailing_slash(self):
        self.create("cache")
        self.assertError("PullThroughCacheRuleAlreadyExistsException", self.create, prefix="cache")
        self.assertError("PullThroughCacheRuleAlreadyExistsException", self.create, prefix="cache/", url="quay.io")

    def test_unsupported_upstream(self):
        for url in ("example.com", "registry.example.org", "docker.io", ""):
            with self.subTest(url=url):
                self.assertError("UnsupportedUpstreamRegistryException", self.create, prefix="x1", url=url)

    def test_upstream_registry_mismatch(self):
        self.assertError("InvalidParameterException", self.create, prefix="x1", url="quay.io", upstreamRegistry="k8s")
        r = self.create("x1", "quay.io", upstreamRegistry="quay")
        self.assertEqual(r["upstreamRegistry"], "quay")
        self.assertError("ValidationException", self.create, prefix="x2", url="quay.io", upstreamRegistry="nope")

    def test_secret_rules(self):
        # secret-based registries need a credential
        self.assertError("InvalidParameterException", self.create, "credentialArn", prefix="hub", url="registry-1.docker.io")
        # the secret's name must start with ecr-pullthroughcache/
        self.assertError("ValidationException", self.create, prefix="hub", url="registry-1.docker.io",
                         credentialArn=self.secret_arn(name="other-prefix/creds-long-enough"))
        # too short (min 50) and not a secret ARN
        self.assertError("ValidationException", self.create, prefix="hub", url="registry-1.docker.io",
                         credentialArn="arn:aws:secretsmanager:short")
        # secret in another account or region
        self.assertError("SecretNotFoundException", self.create, prefix="hub", url="registry-1.docker.io",
                         credentialArn=self.secret_arn(account=new_account()))
        self.assertError("SecretNotFoundException", self.create, prefix="hub", url="registry-1.docker.io",
                         credentialArn=self.secret_arn(region="us-east-1"))

    def test_prefix_validation(self):
        for prefix in ("a", "x" * 31, "UPPER", "bad//double", "-lead", "ROOT/", "with space"):
            with self.subTest(prefix=prefix):
                self.assertError("ValidationException", self.create, prefix=prefix)
        for prefix in ("ab", "a" * 30, "team/cache", "team.x_y-z/cache/", "ROOT"):
            with self.subTest(prefix=prefix):
                self.create(prefix)

    def test_limit(self):
        for i in range(50):
            self.create(f"p{i:02d}")
        self.assertError("LimitExceededException", self.create, prefix="p50")

    def test_describe_filter_and_not_found(self):
        for p in ("aa", "bb", "cc"):
            self.create(p)
        got = self.ecr.describe_pull_through_cache_rules(ecrRepositoryPrefixes=["cc", "aa/"])["pullThroughCacheRules"]
        self.assertEqual([r["ecrRepositoryPrefix"] for r in got], ["aa", "cc"])
        self.assertError("PullThroughCacheRuleNotFoundException", self.ecr.describe_pull_through_cache_rules, ecrRepositoryPrefixes=["aa", "zz"])
        self.assertError("ValidationException", self.ecr.describe_pull_through_cache_rules, ecrRepositoryPrefixes=[])
        self.assertError("ValidationException", self.ecr.describe_pull_through_cache_rules, ecrRepositoryPrefixes=["ab"] * 101)

    def test_pagination(self):
        for i in range(7):
            self.create(f"pg{i}")
        seen, token, pages = [], None, 0
        while True:
            kw = {"maxResults": 3}
            if token:
                kw["nextToken"] = token
            r = self.ecr.describe_pull_through_cache_rules(**kw)
            pages += 1
            seen += [x["ecrRepositoryPrefix"] for x in r["pullThroughCacheRules"]]
            token = r.get("nextToken")
            if not token:
                break
        self.assertEqual(pages, 3)
        self.assertEqual(seen, [f"pg{i}" for i in range(7)])
        self.assertNotIn("nextToken", self.ecr.describe_pull_through_cache_rules())
        self.assertError("InvalidParameterException", self.ecr.describe_pull_through_cache_rules, nextToken="garbage")
        self.assertError("ValidationException", self.ecr.describe_pull_through_cache_rules, maxResults=0)
        self.assertError("ValidationException", self.ecr.describe_pull_through_cache_rules, maxResults=1001)

    def test_update(self):
        first = self.secret_arn(name="ecr-pullthroughcache/first")
        second = self.secret_arn(name="ecr-pullthroughcache/second")
        self.create("hub", "registry-1.docker.io", credentialArn=first)
        before = self.ecr.describe_pull_through_cache_rules()["pullThroughCacheRules"][0]
        r = strip(self.ecr.update_pull_through_cache_rule(ecrRepositoryPrefix="hub", credentialArn=second))
        self.assertEqual(r["credentialArn"], second)
        self.assertEqual(r["registryId"], self.account)
        self.assertIn("updatedAt", r)
        after = self.ecr.describe_pull_through_cache_rules()["pullThroughCacheRules"][0]
        self.assertEqual(after["credentialArn"], second)
        self.assertEqual(after["createdAt"], before["createdAt"])
        self.assertGreaterEqual(after["updatedAt"], before["updatedAt"])
        self.assertError("PullThroughCacheRuleNotFoundException", self.ecr.update_pull_through_cache_rule, ecrRepositoryPrefix="nope", credentialArn=second)
        self.assertError("InvalidParameterException", self.ecr.update_pull_through_cache_rule, ecrRepositoryPrefix="hub", customRoleArn=self.role_arn())
        self.assertError("SecretNotFoundException", self.ecr.update_pull_through_cache_rule, ecrRepositoryPrefix="hub",
                         credentialArn=self.secret_arn(region="us-east-1"))

    def test_validate(self):
        self.create("k8s", "registry.k8s.io")
        r = strip(self.ecr.validate_pull_through_cache_rule(ecrRepositoryPrefix="k8s"))
        self.assertTrue(r["isValid"])
        self.assertEqual(r["upstreamRegistryUrl"], "registry.k8s.io")
        self.assertNotIn("failure", r)
        self.assertError("PullThroughCacheRuleNotFoundException", self.ecr.validate_pull_through_cache_rule, ecrRepositoryPrefix="nope")

    def test_delete_missing(self):
        self.assertError("PullThroughCacheRuleNotFoundException", self.ecr.delete_pull_through_cache_rule, ecrRepositoryPrefix="nope")

    def test_isolation_per_account_and_region(self):
        self.create("shared")
        other = client("ecr", new_account())
        self.assertEqual(other.describe_pull_through_cache_rules()["pullThroughCacheRules"], [])
        other.create_pull_through_cache_rule(ecrRepositoryPrefix="shared", upstreamRegistryUrl="quay.io")
        elsewhere = client("ecr", self.account, region="us-east-1" if REGION != "us-east-1" else "eu-west-1")
        self.assertEqual(elsewhere.describe_pull_through_cache_rules()["pullThroughCacheRules"], [])
        mine = self.ecr.describe_pull_through_cache_rules()["pullThroughCacheRules"]
        self.assertEqual([(r["ecrRepositoryPrefix"], r["upstreamRegistry"]) for r in mine], [("shared", "ecr-public")])


if __name__ == "__main__":
    unittest.main()
