"""upstreamRepositoryPrefix of pull through cache rules: ECR upstreams only, create-only, echoed by
Create, Describe, Update, Delete and Validate."""

import unittest

from helpers import AccountTestCase, new_account, strip


class UpstreamRepositoryPrefix(AccountTestCase):
    def setUp(self):
        super().setUp()
        self.url = f"{new_account()}.dkr.ecr.ap-southeast-1.amazonaws.com"

    def create(self, prefix, url=None, **kw):
        if (url or self.url).endswith(".amazonaws.com"):
            kw.setdefault("customRoleArn", self.role_arn())
        return strip(self.ecr.create_pull_through_cache_rule(ecrRepositoryPrefix=prefix, upstreamRegistryUrl=url or self.url, **kw))

    def describe(self, *prefixes):
        kw = {"ecrRepositoryPrefixes": list(prefixes)} if prefixes else {}
        return self.ecr.describe_pull_through_cache_rules(**kw)["pullThroughCacheRules"]

    def test_echoed_everywhere(self):
        created = self.create("central", upstreamRepositoryPrefix="shared")
        self.assertEqual(created["upstreamRepositoryPrefix"], "shared")
        self.assertEqual(created["upstreamRegistry"], "ecr")
        [rule] = self.describe("central")
        self.assertEqual(rule["upstreamRepositoryPrefix"], "shared")
        self.assertEqual(self.ecr.validate_pull_through_cache_rule(ecrRepositoryPrefix="central")["upstreamRepositoryPrefix"], "shared")
        # create-only: UpdatePullThroughCacheRule has no such member and keeps it
        updated = strip(self.ecr.update_pull_through_cache_rule(ecrRepositoryPrefix="central", customRoleArn=self.role_arn("other-role")))
        self.assertEqual(updated["upstreamRepositoryPrefix"], "shared")
        self.assertEqual(self.describe("central")[0]["upstreamRepositoryPrefix"], "shared")
        self.assertEqual(strip(self.ecr.delete_pull_through_cache_rule(ecrRepositoryPrefix="central"))["upstreamRepositoryPrefix"], "shared")

    def test_default_root_for_ecr_absent_for_others(self):
        self.create("mirror")
        self.create("pub", url="public.ecr.aws")
        by_prefix = {r["ecrRepositoryPrefix"]: r for r in self.describe()}
        self.assertEqual(by_prefix["mirror"]["upstreamRepositoryPrefix"], "ROOT")
        self.assertNotIn("upstreamRepositoryPrefix", by_prefix["pub"])

    def test_multi_level_and_trailing_slash(self):
        self.assertEqual(self.create("team-a", upstreamRepositoryPrefix="org/team-a/")["upstreamRepositoryPrefix"], "org/team-a/")
        self.assertEqual(self.create("team-b", upstreamRepositoryPrefix="ROOT")["upstreamRepositoryPrefix"], "ROOT")

    def test_validation(self):
        for bad in ("x", "Upper", "a" * 31, "a//b", "-a"):
            with self.subTest(prefix=bad):
                self.assertError("ValidationException", self.create, prefix="c1", upstreamRepositoryPrefix=bad)
        self.assertError("InvalidParameterException", self.create, prefix="ROOT", upstreamRepositoryPrefix="shared")
        for url, extra in (("public.ecr.aws", {}), ("quay.io", {}), ("ghcr.io", {"credentialArn": self.secret_arn()})):
            with self.subTest(url=url):
                self.assertError("InvalidParameterException", self.create, prefix="c2", url=url, upstreamRepositoryPrefix="shared", **extra)
        self.assertEqual(self.describe(), [])


if __name__ == "__main__":
    unittest.main()
