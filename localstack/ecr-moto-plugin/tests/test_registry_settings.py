"""The moto-backed calls the tool makes, with the corrections the plugin applies."""

import json
import unittest

from helpers import AccountTestCase, REGION, client, new_account, strip


def scan_rule(freq="SCAN_ON_PUSH", *filters):
    return {"scanFrequency": freq, "repositoryFilters": [{"filter": f, "filterType": "WILDCARD"} for f in (filters or ("*",))]}


class RegistryScanning(AccountTestCase):
    def test_default_before_put(self):
        r = strip(self.ecr.get_registry_scanning_configuration())
        self.assertEqual(r, {"registryId": self.account, "scanningConfiguration": {"scanType": "BASIC", "rules": []}})

    def test_put_get(self):
        rules = [scan_rule("CONTINUOUS_SCAN", "prod-*"), scan_rule("SCAN_ON_PUSH", "*")]
        r = strip(self.ecr.put_registry_scanning_configuration(scanType="ENHANCED", rules=rules))
        self.assertEqual(r, {"registryScanningConfiguration": {"scanType": "ENHANCED", "rules": rules}})
        g = self.ecr.get_registry_scanning_configuration()["scanningConfiguration"]
        self.assertEqual(g, {"scanType": "ENHANCED", "rules": rules})
        self.ecr.put_registry_scanning_configuration(scanType="BASIC", rules=[scan_rule("SCAN_ON_PUSH", "app*")])
        self.assertEqual(self.ecr.get_registry_scanning_configuration()["scanningConfiguration"]["scanType"], "BASIC")

    def test_missing_fields_default(self):
        self.assertEqual(self.ecr.put_registry_scanning_configuration()["registryScanningConfiguration"],
                         {"scanType": "BASIC", "rules": []})
        self.ecr.put_registry_scanning_configuration(scanType="ENHANCED")
        self.assertEqual(self.ecr.get_registry_scanning_configuration()["scanningConfiguration"], {"scanType": "ENHANCED", "rules": []})
        # moto used to store rules=None and then fail every CreateRepository with a 500
        self.ecr.create_repository(repositoryName="after-scan-config")

    def test_validation(self):
        self.assertError("ValidationException", self.ecr.put_registry_scanning_configuration, scanType="ENHANCED", rules=[scan_rule()] * 3)
        self.assertError("ValidationException", self.ecr.put_registry_scanning_configuration, scanType="FULL", rules=[])
        self.assertError("ValidationException", self.ecr.put_registry_scanning_configuration, scanType="ENHANCED", rules=[scan_rule("HOURLY")])
        self.assertError("ValidationException", self.ecr.put_registry_scanning_configuration, scanType="ENHANCED",
                         rules=[{"scanFrequency": "SCAN_ON_PUSH", "repositoryFilters": [{"filter": "x", "filterType": "PREFIX_MATCH"}]}])
        self.assertError("ValidationException", self.ecr.put_registry_scanning_configuration, scanType="ENHANCED", rules=[scan_rule("SCAN_ON_PUSH", "Bad Filter")])
        self.assertError("InvalidParameterException", self.ecr.put_registry_scanning_configuration, scanType="BASIC", rules=[scan_rule("CONTINUOUS_SCAN")])
        self.assertEqual(self.ecr.get_registry_scanning_configuration()["scanningConfiguration"], {"scanType": "BASIC", "rules": []})


class Replication(AccountTestCase):
    def test_default_before_put(self):
        r = strip(self.ecr.describe_registry())
        self.assertEqual(r, {"registryId": self.account, "replicationConfiguration": {"rules": []}})

    def test_put_several_rules(self):
        other = new_account()
        config = {"rules": [
            {"destinations": [{"region": "us-east-1", "registryId": self.account}, {"region": REGION, "registryId": other}],
             "repositoryFilters": [{"filter": "prod", "filterType": "PREFIX_MATCH"}]},
            {"destinations": [{"region": "ap-southeast-2", "registryId": self.account}]},
        ]}
        r = strip(self.ecr.put_replication_configuration(replicationConfiguration=config))
        self.assertEqual(r, {"replicationConfiguration": config})
        self.assertEqual(self.ecr.describe_registry()["replicationConfiguration"], config)
        self.ecr.put_replication_configuration(replicationConfiguration={"rules": []})
        self.assertEqual(self.ecr.describe_registry()["replicationConfiguration"], {"rules": []})

    def test_validation(self):
        dest = [{"region": "us-east-1", "registryId": self.account}]
        self.assertError("ValidationException", self.ecr.put_replication_configuration,
                         replicationConfiguration={"rules": [{"destinations": dest}] * 11})
        self.assertError("ValidationException", self.ecr.put_replication_configuration,
                         replicationConfiguration={"rules": [{"destinations": dest, "repositoryFilters": [{"filter": "p", "filterType": "PREFIX_MATCH"}]}]})
        self.assertError("ValidationException", self.ecr.put_replication_configuration,
                         replicationConfiguration={"rules": [{"destinations": dest, "repositoryFilters": [{"filter": "prod", "filterType": "WILDCARD"}]}]})
        self.assertError("ValidationException", self.ecr.put_replication_configuration,
                         replicationConfiguration={"rules": [{"destinations": [{"region": "us-east-1", "registryId": "123"}]}]})
        self.assertError("InvalidParameterException", self.ecr.put_replication_configuration,
                         replicationConfiguration={"rules": [{"destinations": [{"region": REGION, "registryId": self.account}]}]})


class RegistryPolicy(AccountTestCase):
    def policy(self, *actions):
        return json.dumps({"Version": "2012-10-17", "Statement": [{"Sid": "s", "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{self.account}:root"}, "Action": list(actions),
            "Resource": f"arn:aws:ecr:{REGION}:{self.account}:repository/*"}]})

    def test_not_found_before_put(self):
        self.assertError("RegistryPolicyNotFoundException", self.ecr.get_registry_policy)
        self.assertError("RegistryPolicyNotFoundException", self.ecr.delete_registry_policy)

    def test_put_get_delete(self):
        for actions in (["ecr:CreateRepository", "ecr:BatchImportUpstreamImage"], ["ecr:ReplicateImage"], ["ecr:*"], ["ecr:BatchGetImage"]):
            with self.subTest(actions=actions):
                text = self.policy(*actions)
                self.assertEqual(strip(self.ecr.put_registry_policy(policyText=text)), {"registryId": self.account, "policyText": text})
                self.assertEqual(self.ecr.get_registry_policy()["policyText"], text)
        d = strip(self.ecr.delete_registry_policy())
        self.assertEqual(d["registryId"], self.account)
        self.assertError("RegistryPolicyNotFoundException", self.ecr.get_registry_policy)

    def test_invalid(self):
        self.assertError("InvalidParameterException", self.ecr.put_registry_policy, policyText="not json")
        self.assertError("InvalidParameterException", self.ecr.put_registry_policy, policyText=self.policy("s3:GetObject"))
        self.assertError("ValidationException", self.ecr.put_registry_policy, policyText="x" * 10241)


class RepositoryEncryption(AccountTestCase):
    def test_kms_without_key_uses_one_managed_key(self):
        a = self.ecr.create_repository(repositoryName="a", encryptionConfiguration={"encryptionType": "KMS"})["repository"]
        b = self.ecr.create_repository(repositoryName="b", encryptionConfiguration={"encryptionType": "KMS_DSSE"})["repository"]
        ka, kb = a["encryptionConfiguration"]["kmsKey"], b["encryptionConfiguration"]["kmsKey"]
        self.assertEqual(ka, kb)
        self.assertTrue(ka.startswith(f"arn:aws:kms:{REGION}:{self.account}:key/"), ka)
        self.assertEqual(b["encryptionConfiguration"]["encryptionType"], "KMS_DSSE")
        described = {r["repositoryName"]: r["encryptionConfiguration"] for r in self.ecr.describe_repositories()["repositories"]}
        self.assertEqual(described, {"a": {"encryptionType": "KMS", "kmsKey": ka}, "b": {"encryptionType": "KMS_DSSE", "kmsKey": ka}})
        other = client("ecr", new_account()).create_repository(repositoryName="a", encryptionConfiguration={"encryptionType": "KMS"})
        self.assertNotEqual(other["repository"]["encryptionConfiguration"]["kmsKey"], ka)

    def test_explicit_key_kept_and_aes_with_key_rejected(self):
        key = f"arn:aws:kms:{REGION}:{self.account}:key/own"
        r = self.ecr.create_repository(repositoryName="own", encryptionConfiguration={"encryptionType": "KMS_DSSE", "kmsKey": key})
        self.assertEqual(r["repository"]["encryptionConfiguration"], {"encryptionType": "KMS_DSSE", "kmsKey": key})
        self.assertError("InvalidParameterException", self.ecr.create_repository, repositoryName="aes",
                         encryptionConfiguration={"encryptionType": "AES256", "kmsKey": key})


class TagMutability(AccountTestCase):
    def test_exclusion_filters(self):
        self.ecr.create_repository(repositoryName="repo")
        filters = [{"filterType": "WILDCARD", "filter": "latest"}, {"filterType": "WILDCARD", "filter": "dev-*"}]
        r = strip(self.ecr.put_image_tag_mutability(repositoryName="repo", imageTagMutability="IMMUTABLE_WITH_EXCLUSION",
                                                    imageTagMutabilityExclusionFilters=filters))
        self.assertEqual(r["imageTagMutability"], "IMMUTABLE_WITH_EXCLUSION")
        self.assertEqual(r["imageTagMutabilityExclusionFilters"], filters)
        d = self.ecr.describe_repositories(repositoryNames=["repo"])["repositories"][0]
        self.assertEqual((d["imageTagMutability"], d["imageTagMutabilityExclusionFilters"]), ("IMMUTABLE_WITH_EXCLUSION", filters))
        r = strip(self.ecr.put_image_tag_mutability(repositoryName="repo", imageTagMutability="IMMUTABLE"))
        self.assertNotIn("imageTagMutabilityExclusionFilters", r)
        d = self.ecr.describe_repositories(repositoryNames=["repo"])["repositories"][0]
        self.assertEqual(d["imageTagMutability"], "IMMUTABLE")
        self.assertNotIn("imageTagMutabilityExclusionFilters", d)

    def test_invalid_combinations(self):
        self.ecr.create_repository(repositoryName="repo")
        f = [{"filterType": "WILDCARD", "filter": "latest"}]
        self.assertError("InvalidParameterException", self.ecr.put_image_tag_mutability, repositoryName="repo", imageTagMutability="MUTABLE_WITH_EXCLUSION")
        self.assertError("InvalidParameterException", self.ecr.put_image_tag_mutability, repositoryName="repo", imageTagMutability="MUTABLE",
                         imageTagMutabilityExclusionFilters=f)
        self.assertError("InvalidParameterException", self.ecr.put_image_tag_mutability, repositoryName="repo",
                         imageTagMutability="MUTABLE_WITH_EXCLUSION", imageTagMutabilityExclusionFilters=f * 6)
        self.assertError("InvalidParameterException", self.ecr.create_repository, repositoryName="r2", imageTagMutability="IMMUTABLE",
                         imageTagMutabilityExclusionFilters=f)
        self.assertEqual(self.ecr.describe_repositories(repositoryNames=["repo"])["repositories"][0]["imageTagMutability"], "MUTABLE")


def lifecycle(*rules):
    return json.dumps({"rules": [dict(rulePriority=i + 1, **rule) for i, rule in enumerate(rules)]})


class LifecyclePolicies(AccountTestCase):
    def setUp(self):
        super().setUp()
        self.ecr.create_repository(repositoryName="repo")

    def put(self, *rules):
        return self.ecr.put_lifecycle_policy(repositoryName="repo", lifecyclePolicyText=lifecycle(*rules))

    def test_newer_forms_accepted(self):
        text = lifecycle(
            {"selection": {"tagStatus": "tagged", "tagPatternList": ["rc-*"], "countType": "sinceImagePulled", "countUnit": "days", "countNumber": 30},
             "action": {"type": "transition", "targetStorageClass": "archive"}},
            {"selection": {"tagStatus": "any", "storageClass": "archive", "countType": "sinceImageTransitioned", "countUnit": "days", "countNumber": 90},
             "action": {"type": "expire"}},
            {"selection": {"tagStatus": "untagged", "storageClass": "standard", "countType": "imageCountMoreThan", "countNumber": 5},
             "action": {"type": "expire"}},
        )
        self.ecr.put_lifecycle_policy(repositoryName="repo", lifecyclePolicyText=text)
        self.assertEqual(json.loads(self.ecr.get_lifecycle_policy(repositoryName="repo")["lifecyclePolicyText"]), json.loads(text))

    def test_invalid_forms(self):
        base = {"tagStatus": "any", "countType": "sinceImagePushed", "countUnit": "days", "countNumber": 3}
        cases = [
            ({"selection": base, "action": {"type": "transition"}}),
            ({"selection": base, "action": {"type": "transition", "targetStorageClass": "glacier"}}),
            ({"selection": base, "action": {"type": "expire", "targetStorageClass": "archive"}}),
            ({"selection": dict(base, countType="sinceImageTransitioned"), "action": {"type": "expire"}}),
            ({"selection": dict(base, storageClass="archive"), "action": {"type": "expire"}}),
            ({"selection": dict(base, storageClass="cold"), "action": {"type": "expire"}}),
            ({"selection": {"tagStatus": "any", "countType": "sinceImagePulled", "countNumber": 3}, "action": {"type": "expire"}}),
            ({"selection": dict(base, countType="sinceForever"), "action": {"type": "expire"}}),
            ({"selection": base, "action": {"type": "delete"}}),
        ]
        for rule in cases:
            with self.subTest(rule=rule):
                self.assertError("InvalidParameterException", lambda: self.put(rule))
        self.assertError("ValidationException", self.ecr.put_lifecycle_policy, repositoryName="repo", lifecyclePolicyText='{"rules":[]}')
        self.assertError("LifecyclePolicyNotFoundException", self.ecr.get_lifecycle_policy, repositoryName="repo")
        self.assertError("RepositoryNotFoundException", self.ecr.put_lifecycle_policy, repositoryName="missing",
                         lifecyclePolicyText=lifecycle({"selection": base, "action": {"type": "expire"}}))


if __name__ == "__main__":
    unittest.main()
