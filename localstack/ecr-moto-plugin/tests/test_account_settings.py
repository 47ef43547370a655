"""Get/PutAccountSetting (REGISTRY_POLICY_SCOPE, BASIC_SCAN_TYPE_VERSION, BLOB_MOUNTING) and the
registry policy scope's effect on PutRegistryPolicy."""

import json
import unittest

from helpers import REGION, AccountTestCase, client, strip


class AccountSettings(AccountTestCase):
    def test_defaults_before_any_put(self):
        for name, value in (("REGISTRY_POLICY_SCOPE", "V2"), ("BASIC_SCAN_TYPE_VERSION", "AWS_NATIVE"), ("BLOB_MOUNTING", "DISABLED")):
            with self.subTest(name=name):
                self.assertEqual(strip(self.ecr.get_account_setting(name=name)), {"name": name, "value": value})

    def test_put_get(self):
        for name, value in (("REGISTRY_POLICY_SCOPE", "V1"), ("REGISTRY_POLICY_SCOPE", "V2"), ("BASIC_SCAN_TYPE_VERSION", "AWS_NATIVE"),
                            ("BLOB_MOUNTING", "ENABLED"), ("BLOB_MOUNTING", "DISABLED")):
            with self.subTest(name=name, value=value):
                self.assertEqual(strip(self.ecr.put_account_setting(name=name, value=value)), {"name": name, "value": value})
                self.assertEqual(self.ecr.get_account_setting(name=name)["value"], value)

    def test_per_account_and_region(self):
        self.ecr.put_account_setting(name="BLOB_MOUNTING", value="ENABLED")
        other_region = client("ecr", self.account, "us-west-2")
        self.assertEqual(other_region.get_account_setting(name="BLOB_MOUNTING")["value"], "DISABLED")
        self.assertEqual(self.ecr.get_account_setting(name="BLOB_MOUNTING")["value"], "ENABLED")

    def test_invalid_names_and_values(self):
        self.assertError("InvalidParameterException", self.ecr.get_account_setting, name="NO_SUCH_SETTING")
        self.assertError("InvalidParameterException", self.ecr.put_account_setting, name="NO_SUCH_SETTING", value="V2")
        self.assertError("ValidationException", self.ecr.get_account_setting, name="")
        self.assertError("ValidationException", self.ecr.get_account_setting, name="X" * 65)
        self.assertError("ValidationException", self.ecr.get_account_setting)
        self.assertError("ValidationException", self.ecr.put_account_setting, name="BLOB_MOUNTING")
        for name, value in (("REGISTRY_POLICY_SCOPE", "V3"), ("REGISTRY_POLICY_SCOPE", "v2"), ("BASIC_SCAN_TYPE_VERSION", "CLAIR"),
                            ("BLOB_MOUNTING", "ON"), ("BLOB_MOUNTING", "V2")):
            with self.subTest(name=name, value=value):
                self.assertError("InvalidParameterException", self.ecr.put_account_setting, name=name, value=value)
        # nothing was stored by the failed puts
        self.assertEqual(self.ecr.get_account_setting(name="REGISTRY_POLICY_SCOPE")["value"], "V2")


class RegistryPolicyScope(AccountTestCase):
    def policy(self, *actions):
        return json.dumps({"Version": "2012-10-17", "Statement": [{"Sid": "s", "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{self.account}:root"}, "Action": list(actions),
            "Resource": f"arn:aws:ecr:{REGION}:{self.account}:repository/*"}]})

    def test_v1_allows_only_replication_and_cache_actions(self):
        self.ecr.put_account_setting(name="REGISTRY_POLICY_SCOPE", value="V1")
        for actions in (["ecr:ReplicateImage"], ["ecr:CreateRepository", "ecr:BatchImportUpstreamImage"], ["ecr:*"]):
            with self.subTest(actions=actions):
                self.ecr.put_registry_policy(policyText=self.policy(*actions))
        self.assertError("InvalidParameterException", self.ecr.put_registry_policy, policyText=self.policy("ecr:BatchGetImage"))
        self.assertError("InvalidParameterException", self.ecr.put_registry_policy, policyText=self.policy("ecr:ReplicateImage", "ecr:PutImage"))

    def test_v2_allows_every_ecr_action(self):
        self.ecr.put_account_setting(name="REGISTRY_POLICY_SCOPE", value="V1")
        self.ecr.put_account_setting(name="REGISTRY_POLICY_SCOPE", value="V2")
        self.ecr.put_registry_policy(policyText=self.policy("ecr:BatchGetImage", "ecr:PutImage"))


if __name__ == "__main__":
    unittest.main()
