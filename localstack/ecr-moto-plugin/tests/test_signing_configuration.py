"""Put/Get/DeleteSigningConfiguration (managed signing) and their errors."""

import unittest

from helpers import REGION, AccountTestCase, client, new_account, strip


class SigningConfiguration(AccountTestCase):
    def profile(self, name="betekk_images", account=None, region=REGION, partition="aws"):
        return f"arn:{partition}:signer:{region}:{account or self.account}:/signing-profiles/{name}"

    def rule(self, *filters, profile=None):
        rule = {"signingProfileArn": profile or self.profile()}
        if filters:
            rule["repositoryFilters"] = [{"filter": f, "filterType": "WILDCARD_MATCH"} for f in filters]
        return rule

    def put(self, *rules):
        return strip(self.ecr.put_signing_configuration(signingConfiguration={"rules": list(rules)}))

    def assertPutError(self, code, *rules):
        return self.assertError(code, lambda: self.put(*rules))

    def test_not_found_before_put(self):
        self.assertError("SigningConfigurationNotFoundException", self.ecr.get_signing_configuration)
        self.assertError("SigningConfigurationNotFoundException", self.ecr.delete_signing_configuration)

    def test_put_get_delete(self):
        rules = [self.rule("team-a/*", "*-prod"), self.rule(profile=self.profile("all_images"))]
        self.assertEqual(self.put(*rules), {"signingConfiguration": {"rules": rules}})
        self.assertEqual(strip(self.ecr.get_signing_configuration()), {"registryId": self.account, "signingConfiguration": {"rules": rules}})
        # a put replaces the whole configuration
        self.put(rules[0])
        self.assertEqual(self.ecr.get_signing_configuration()["signingConfiguration"]["rules"], [rules[0]])
        deleted = strip(self.ecr.delete_signing_configuration())
        self.assertEqual(deleted, {"registryId": self.account, "signingConfiguration": {"rules": [rules[0]]}})
        self.assertError("SigningConfigurationNotFoundException", self.ecr.get_signing_configuration)
        self.assertError("SigningConfigurationNotFoundException", self.ecr.delete_signing_configuration)

    def test_empty_rules_is_a_configuration(self):
        self.assertEqual(self.put(), {"signingConfiguration": {"rules": []}})
        self.assertEqual(self.ecr.get_signing_configuration()["signingConfiguration"], {"rules": []})

    def test_limits(self):
        self.put(*[self.rule(profile=self.profile(f"p{i}")) for i in range(10)])
        self.assertPutError("ValidationException", *[self.rule(profile=self.profile(f"p{i}")) for i in range(11)])
        self.put(self.rule(*[f"repo-{i}" for i in range(100)]))
        self.assertPutError("ValidationException", self.rule(*[f"repo-{i}" for i in range(101)]))
        # an empty filter list is not "no filters"
        self.assertPutError("ValidationException", {"signingProfileArn": self.profile(), "repositoryFilters": []})

    def test_profile_arn(self):
        self.put(self.rule(profile=self.profile(account=new_account())))  # cross-account profiles are supported
        self.put(self.rule(profile=f"arn:aws-us-gov:signer:{REGION}:{self.account}:/signing-profiles/ab"))  # pattern allows partitions
        for arn in (
            f"arn:aws:signer:{REGION}:{self.account}:signing-profiles/p1",  # no leading slash
            f"arn:aws:signer:{REGION}:{self.account}:/signing-profiles/a",  # name of 1 character
            f"arn:aws:signer:{REGION}:{self.account}:/signing-profiles/bad-name",  # '-' not allowed
            f"arn:aws:signer:{REGION}:{self.account}:/signing-profiles/p1/abcdef",  # a profile version ARN
            f"arn:aws:signer:{REGION}:123:/signing-profiles/p1",
            f"arn:aws:kms:{REGION}:{self.account}:/signing-profiles/p1",
            self.profile("p" * 200),  # longer than 200
        ):
            with self.subTest(arn=arn):
                self.assertPutError("ValidationException", self.rule(profile=arn))
        self.assertError("ValidationException", self.ecr.put_signing_configuration, signingConfiguration={"rules": [{"repositoryFilters": []}]})
        # cross-region signing is not supported
        self.assertPutError("InvalidParameterException", self.rule(profile=self.profile(region="us-west-2")))

    def test_filters(self):
        self.put(self.rule("myapp/*", "*/production", "*prod*", "a.b_c-d/e", "*"))
        for bad in ("", "UPPER", "a//b", "a/", "/a", "a b", "a" * 257):
            with self.subTest(filter=bad):
                self.assertPutError("ValidationException", self.rule(bad))
        self.assertPutError("ValidationException",
                         {"signingProfileArn": self.profile(), "repositoryFilters": [{"filter": "a*", "filterType": "WILDCARD"}]})
        self.assertPutError("ValidationException",
                         {"signingProfileArn": self.profile(), "repositoryFilters": [{"filter": "a*"}]})

    def test_required_members(self):
        self.assertError("ValidationException", self.ecr.put_signing_configuration)
        self.assertError("ValidationException", self.ecr.put_signing_configuration, signingConfiguration={})

    def test_failed_put_keeps_the_configuration(self):
        rules = [self.rule("keep/*")]
        self.put(*rules)
        self.assertPutError("ValidationException", self.rule("BAD"))
        self.assertEqual(self.ecr.get_signing_configuration()["signingConfiguration"]["rules"], rules)

    def test_per_account_and_region(self):
        self.put(self.rule())
        self.assertError("SigningConfigurationNotFoundException", client("ecr", self.account, "us-west-2").get_signing_configuration)
        self.assertError("SigningConfigurationNotFoundException", client("ecr", new_account()).get_signing_configuration)


if __name__ == "__main__":
    unittest.main()
