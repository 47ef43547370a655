"""SSM Parameter Store as the tool uses it (ownership records), per access-key account."""

import unittest

from botocore.exceptions import ClientError

from helpers import AccountTestCase, client, new_account, strip

ROOT = "/betekk/ecr"


class ParameterStore(AccountTestCase):
    def setUp(self):
        super().setUp()
        self.ssm = client("ssm", self.account)

    def test_put_get_overwrite_delete(self):
        r = strip(self.ssm.put_parameter(Name=f"{ROOT}/a", Value="v1", Type="String", Tags=[{"Key": "managed-by", "Value": "betekk"}]))
        self.assertEqual(r["Version"], 1)
        self.assertError("ParameterAlreadyExists", self.ssm.put_parameter, Name=f"{ROOT}/a", Value="v2", Type="String")
        self.assertEqual(self.ssm.put_parameter(Name=f"{ROOT}/a", Value="v2", Type="String", Overwrite=True)["Version"], 2)
        # AWS: Tags and Overwrite can't be combined
        self.assertError("ValidationException", self.ssm.put_parameter, Name=f"{ROOT}/a", Value="v3", Type="String", Overwrite=True,
                         Tags=[{"Key": "x", "Value": "y"}])
        p = self.ssm.get_parameter(Name=f"{ROOT}/a")["Parameter"]
        self.assertEqual((p["Value"], p["Version"], p["Type"]), ("v2", 2, "String"))
        self.assertEqual(p["ARN"], f"arn:aws:ssm:eu-central-1:{self.account}:parameter{ROOT}/a")
        self.ssm.delete_parameter(Name=f"{ROOT}/a")
        self.assertError("ParameterNotFound", self.ssm.get_parameter, Name=f"{ROOT}/a")
        self.assertError("ParameterNotFound", self.ssm.delete_parameter, Name=f"{ROOT}/a")

    def test_by_path_recursive_and_paginated(self):
        self.ssm.put_parameter(Name=f"{ROOT}/top", Value="t", Type="String")
        for i in range(5):
            self.ssm.put_parameter(Name=f"{ROOT}/sub/p{i}", Value=str(i), Type="String")
        flat = [p["Name"] for p in self.ssm.get_parameters_by_path(Path=ROOT)["Parameters"]]
        self.assertEqual(flat, [f"{ROOT}/top"])
        names, token, pages = [], None, 0
        while True:
            kw = {"Path": ROOT, "Recursive": True, "MaxResults": 2}
            if token:
                kw["NextToken"] = token
            r = self.ssm.get_parameters_by_path(**kw)
            pages += 1
            names += [p["Name"] for p in r["Parameters"]]
            token = r.get("NextToken")
            if not token:
                break
        self.assertEqual(sorted(names), sorted([f"{ROOT}/top"] + [f"{ROOT}/sub/p{i}" for i in range(5)]))
        self.assertEqual(len(names), len(set(names)))
        # 6 parameters in pages of 2: moto hands out a NextToken with the last full page, and the
        # page after it is empty (AWS may also return short or empty pages: loop until no token).
        self.assertIn(pages, (3, 4))
        self.assertError("ValidationException", self.ssm.get_parameters_by_path, Path=ROOT, MaxResults=11)

    def test_tags(self):
        self.ssm.put_parameter(Name=f"{ROOT}/t", Value="v", Type="String", Tags=[{"Key": "managed-by", "Value": "betekk"}])
        tags = self.ssm.list_tags_for_resource(ResourceType="Parameter", ResourceId=f"{ROOT}/t")["TagList"]
        self.assertEqual(tags, [{"Key": "managed-by", "Value": "betekk"}])
        self.ssm.add_tags_to_resource(ResourceType="Parameter", ResourceId=f"{ROOT}/t",
                                      Tags=[{"Key": "managed-by", "Value": "other"}, {"Key": "k2", "Value": "v"}])
        tags = self.ssm.list_tags_for_resource(ResourceType="Parameter", ResourceId=f"{ROOT}/t")["TagList"]
        self.assertEqual({t["Key"]: t["Value"] for t in tags}, {"managed-by": "other", "k2": "v"})
        self.assertError("InvalidResourceId", self.ssm.list_tags_for_resource, ResourceType="Parameter", ResourceId=f"{ROOT}/missing")
        self.assertError("InvalidResourceId", self.ssm.add_tags_to_resource, ResourceType="Parameter", ResourceId=f"{ROOT}/missing",
                         Tags=[{"Key": "a", "Value": "b"}])

    def test_isolation_per_account_and_region(self):
        self.ssm.put_parameter(Name=f"{ROOT}/iso", Value="mine", Type="String", Tags=[{"Key": "a", "Value": "b"}])
        other = client("ssm", new_account())
        self.assertError("ParameterNotFound", other.get_parameter, Name=f"{ROOT}/iso")
        self.assertEqual(other.get_parameters_by_path(Path=ROOT, Recursive=True)["Parameters"], [])
        self.assertError("InvalidResourceId", other.list_tags_for_resource, ResourceType="Parameter", ResourceId=f"{ROOT}/iso")
        other.put_parameter(Name=f"{ROOT}/iso", Value="theirs", Type="String")
        self.assertEqual(self.ssm.get_parameter(Name=f"{ROOT}/iso")["Parameter"]["Value"], "mine")
        elsewhere = client("ssm", self.account, region="us-east-1")
        self.assertError("ParameterNotFound", elsewhere.get_parameter, Name=f"{ROOT}/iso")

    def test_recreated_parameter_starts_fresh(self):
        self.ssm.put_parameter(Name=f"{ROOT}/re", Value="1", Type="String", Tags=[{"Key": "old", "Value": "x"}])
        self.ssm.put_parameter(Name=f"{ROOT}/re", Value="2", Type="String", Overwrite=True)
        self.ssm.delete_parameter(Name=f"{ROOT}/re")
        self.assertEqual(self.ssm.put_parameter(Name=f"{ROOT}/re", Value="3", Type="String")["Version"], 1)
        tags = self.ssm.list_tags_for_resource(ResourceType="Parameter", ResourceId=f"{ROOT}/re")["TagList"]
        self.assertEqual(tags, [], "tags of a deleted parameter must not come back")


if __name__ == "__main__":
    unittest.main()
