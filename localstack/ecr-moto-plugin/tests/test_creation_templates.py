"""Repository creation templates: Create/Describe/Update/Delete and their errors."""

import datetime
import json
import unittest

from helpers import AccountTestCase, client, new_account, strip

LIFECYCLE = json.dumps({"rules": [{"rulePriority": 1, "description": "expire untagged", "selection": {
    "tagStatus": "untagged", "countType": "sinceImagePushed", "countUnit": "days", "countNumber": 7},
    "action": {"type": "expire"}}]})
POLICY = json.dumps({"Version": "2012-10-17", "Statement": [{"Sid": "pull", "Effect": "Allow",
    "Principal": {"AWS": "*"}, "Action": ["ecr:BatchGetImage"]}]})


class RepositoryCreationTemplates(AccountTestCase):
    def create(self, prefix="prod", applied=("PULL_THROUGH_CACHE",), **kw):
        return strip(self.ecr.create_repository_creation_template(prefix=prefix, appliedFor=list(applied), **kw))

    def test_create_full_and_describe(self):
        kms = f"arn:aws:kms:eu-central-1:{self.account}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
        r = self.create(
            "prod/team",
            applied=["PULL_THROUGH_CACHE", "REPLICATION", "CREATE_ON_PUSH"],
            description="team repos",
            encryptionConfiguration={"encryptionType": "KMS", "kmsKey": kms},
            resourceTags=[{"Key": "team", "Value": "a"}],
            imageTagMutability="IMMUTABLE_WITH_EXCLUSION",
            imageTagMutabilityExclusionFilters=[{"filterType": "WILDCARD", "filter": "latest"}],
            repositoryPolicy=POLICY,
            lifecyclePolicy=LIFECYCLE,
            customRoleArn=self.role_arn(),
        )
        self.assertEqual(r["registryId"], self.account)
        t = r["repositoryCreationTemplate"]
        self.assertEqual(t["prefix"], "prod/team")
        self.assertEqual(t["description"], "team repos")
        self.assertEqual(t["encryptionConfiguration"], {"encryptionType": "KMS", "kmsKey": kms})
        self.assertEqual(t["resourceTags"], [{"Key": "team", "Value": "a"}])
        self.assertEqual(t["imageTagMutability"], "IMMUTABLE_WITH_EXCLUSION")
        self.assertEqual(t["imageTagMutabilityExclusionFilters"], [{"filterType": "WILDCARD", "filter": "latest"}])
        self.assertEqual(t["repositoryPolicy"], POLICY)
        self.assertEqual(t["lifecyclePolicy"], LIFECYCLE)
        self.assertEqual(t["appliedFor"], ["PULL_THROUGH_CACHE", "REPLICATION", "CREATE_ON_PUSH"])
        self.assertEqual(t["customRoleArn"], self.role_arn())
        self.assertIsInstance(t["createdAt"], datetime.datetime)
        self.assertIsInstance(t["updatedAt"], datetime.datetime)

        d = self.ecr.describe_repository_creation_templates()
        self.assertEqual(d["registryId"], self.account)
        self.assertEqual(d["repositoryCreationTemplates"], [t])

    def test_defaults_and_root(self):
        t = self.create("ROOT", applied=["REPLICATION"])["repositoryCreationTemplate"]
        self.assertEqual(t["prefix"], "ROOT")
        self.assertEqual(t["imageTagMutability"], "MUTABLE")
        self.assertEqual(t["encryptionConfiguration"], {"encryptionType": "AES256"})
        self.assertNotIn("description", t)
        self.assertNotIn("imageTagMutabilityExclusionFilters", t)
        # KMS without a key stays without one in the template (the key is chosen at repository creation)
        t = self.create("kms", encryptionConfiguration={"encryptionType": "KMS_DSSE"})["repositoryCreationTemplate"]
        self.assertEqual(t["encryptionConfiguration"], {"encryptionType": "KMS_DSSE"})

    def test_already_exists(self):
        self.create("prod")
        self.assertError("TemplateAlreadyExistsException", self.create, prefix="prod")
        self.assertError("TemplateAlreadyExistsException", self.create, prefix="prod/")

    def test_validation(self):
        bad = [
            ("ValidationException", dict(prefix="UPPER")),
            ("ValidationException", dict(prefix="a" * 257)),
            ("ValidationException", dict(prefix="ROOT/")),
            ("ValidationException", dict(description="d" * 257)),
            ("ValidationException", dict(applied=["NOPE"])),
            ("ValidationException", dict(imageTagMutability="SOMETIMES")),
            ("ValidationException", dict(encryptionConfiguration={"encryptionType": "DES"})),
            ("ValidationException", dict(encryptionConfiguration={"encryptionType": "KMS", "kmsKey": "not-an-arn"})),
            ("InvalidParameterException", dict(encryptionConfiguration={"encryptionType": "AES256",
                "kmsKey": f"arn:aws:kms:eu-central-1:{self.account}:key/abc"})),
            ("InvalidParameterException", dict(imageTagMutability="MUTABLE_WITH_EXCLUSION")),
            ("InvalidParameterException", dict(imageTagMutability="IMMUTABLE",
                imageTagMutabilityExclusionFilters=[{"filterType": "WILDCARD", "filter": "x"}])),
            ("ValidationException", dict(imageTagMutability="IMMUTABLE_WITH_EXCLUSION",
                imageTagMutabilityExclusionFilters=[{"filterType": "WILDCARD", "filter": f"f{i}"} for i in range(6)])),
            ("ValidationException", dict(imageTagMutability="IMMUTABLE_WITH_EXCLUSION",
                imageTagMutabilityExclusionFilters=[{"filterType": "WILDCARD", "filter": "bad tag!"}])),
            ("ValidationException", dict(repositoryPolicy="x" * 10241)),
            ("InvalidParameterException", dict(repositoryPolicy="not json")),
            ("InvalidParameterException", dict(lifecyclePolicy="not json")),
            ("InvalidParameterException", dict(lifecyclePolicy=LIFECYCLE.replace('"expire"', '"transition"'))),
            ("InvalidParameterException", dict(resourceTags=[{"Key": "a", "Value": "1"}, {"Key": "a", "Value": "2"}])),
            ("InvalidParameterException", dict(resourceTags=[{"Key": f"k{i}", "Value": "v"} for i in range(51)])),
            ("ValidationException", dict(customRoleArn="r" * 2049)),
        ]
        for code, kw in bad:
            with self.subTest(kw=str(kw)[:80]):
                self.assertError(code, self.create, **kw)
        self.assertEqual(self.ecr.describe_repository_creation_templates()["repositoryCreationTemplates"], [])

    def test_limit(self):
        for i in range(100):
            self.create(f"t{i:03d}")
        self.assertError("LimitExceededException", self.create, prefix="t100")

    def test_describe_filter_and_pagination(self):
        for p in ("aa", "bb", "cc", "dd", "ee"):
            self.create(p)
        got = self.ecr.describe_repository_creation_templates(prefixes=["ee", "aa/", "zz"])["repositoryCreationTemplates"]
        self.assertEqual([t["prefix"] for t in got], ["aa", "ee"])
        seen, token, pages = [], None, 0
        while True:
            kw = {"maxResults": 2}
            if token:
                kw["nextToken"] = token
            r = self.ecr.describe_repository_creation_templates(**kw)
            pages += 1
            seen += [t["prefix"] for t in r["repositoryCreationTemplates"]]
            token = r.get("nextToken")
            if not token:
                break
        self.assertEqual((pages, seen), (3, ["aa", "bb", "cc", "dd", "ee"]))
        self.assertError("InvalidParameterException", self.ecr.describe_repository_creation_templates, nextToken="bad")
        self.assertError("ValidationException", self.ecr.describe_repository_creation_templates, maxResults=0)

    def test_update(self):
        created = self.create("prod", description="one", imageTagMutability="IMMUTABLE")["repositoryCreationTemplate"]
        r = strip(self.ecr.update_repository_creation_template(
            prefix="prod", description="two", imageTagMutability="MUTABLE_WITH_EXCLUSION",
            imageTagMutabilityExclusionFilters=[{"filterType": "WILDCARD", "filter": "dev-*"}],
            appliedFor=["REPLICATION"]))
        self.assertEqual(r["registryId"], self.account)
        t = r["repositoryCreationTemplate"]
        self.assertEqual((t["description"], t["imageTagMutability"], t["appliedFor"]),
                         ("two", "MUTABLE_WITH_EXCLUSION", ["REPLICATION"]))
        self.assertEqual(t["createdAt"], created["createdAt"])
        self.assertGreaterEqual(t["updatedAt"], created["updatedAt"])
        # fields not sent keep their value; leaving the *_WITH_EXCLUSION value drops the filters
        t = self.ecr.update_repository_creation_template(prefix="prod", imageTagMutability="IMMUTABLE")["repositoryCreationTemplate"]
        self.assertEqual(t["description"], "two")
        self.assertEqual(t["imageTagMutability"], "IMMUTABLE")
        self.assertNotIn("imageTagMutabilityExclusionFilters", t)
        self.assertEqual(self.ecr.describe_repository_creation_templates(prefixes=["prod"])["repositoryCreationTemplates"], [t])
        self.assertError("TemplateNotFoundException", self.ecr.update_repository_creation_template, prefix="nope", description="x")
        self.assertError("InvalidParameterException", self.ecr.update_repository_creation_template, prefix="prod",
                         imageTagMutability="IMMUTABLE_WITH_EXCLUSION")
        self.assertError("ValidationException", self.ecr.update_repository_creation_template, prefix="prod", description="d" * 257)

    def test_delete(self):
        self.create("prod", description="x")
        r = strip(self.ecr.delete_repository_creation_template(prefix="prod"))
        self.assertEqual(r["registryId"], self.account)
        self.assertEqual(r["repositoryCreationTemplate"]["prefix"], "prod")
        self.assertEqual(r["repositoryCreationTemplate"]["description"], "x")
        self.assertError("TemplateNotFoundException", self.ecr.delete_repository_creation_template, prefix="prod")

    def test_isolation(self):
        self.create("prod")
        other = client("ecr", new_account())
        self.assertEqual(other.describe_repository_creation_templates()["repositoryCreationTemplates"], [])
        self.assertError("TemplateNotFoundException", other.delete_repository_creation_template, prefix="prod")


if __name__ == "__main__":
    unittest.main()
