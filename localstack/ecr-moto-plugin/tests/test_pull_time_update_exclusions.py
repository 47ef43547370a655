"""Register/DeregisterPullTimeUpdateExclusion and ListPullTimeUpdateExclusions."""

import datetime
import unittest

from helpers import AccountTestCase, client, new_account, strip


class PullTimeUpdateExclusions(AccountTestCase):
    def role(self, name="ScannerRole", account=None):
        return f"arn:aws:iam::{account or self.account}:role/{name}"

    def listed(self, **kw):
        return strip(self.ecr.list_pull_time_update_exclusions(**kw))

    def test_empty_list(self):
        self.assertEqual(self.listed(), {"pullTimeUpdateExclusions": []})

    def test_register_list_deregister(self):
        r = strip(self.ecr.register_pull_time_update_exclusion(principalArn=self.role()))
        self.assertEqual(r["principalArn"], self.role())
        self.assertIsInstance(r["createdAt"], datetime.datetime)
        user = f"arn:aws:iam::{self.account}:user/path/to/scanner"
        self.ecr.register_pull_time_update_exclusion(principalArn=user)
        self.assertEqual(self.listed()["pullTimeUpdateExclusions"], sorted([self.role(), user]))
        self.assertEqual(strip(self.ecr.deregister_pull_time_update_exclusion(principalArn=self.role())), {"principalArn": self.role()})
        self.assertEqual(self.listed()["pullTimeUpdateExclusions"], [user])

    def test_duplicate_and_missing(self):
        self.ecr.register_pull_time_update_exclusion(principalArn=self.role())
        self.assertError("ExclusionAlreadyExistsException", self.ecr.register_pull_time_update_exclusion, principalArn=self.role())
        self.assertError("ExclusionNotFoundException", self.ecr.deregister_pull_time_update_exclusion, principalArn=self.role("Other"))
        self.ecr.deregister_pull_time_update_exclusion(principalArn=self.role())
        self.assertError("ExclusionNotFoundException", self.ecr.deregister_pull_time_update_exclusion, principalArn=self.role())

    def test_principal_arn_validation(self):
        self.ecr.register_pull_time_update_exclusion(principalArn=self.role(account=new_account()))  # another account: not checked
        for arn in (
            f"arn:aws:iam::{self.account}:group/scanners",
            f"arn:aws:iam::{self.account}:root",
            f"arn:aws:sts::{self.account}:assumed-role/Scanner/session",
            f"arn:aws:iam::123:role/Scanner",
            "Scanner",
            self.role("r" * 200),
        ):
            with self.subTest(arn=arn):
                self.assertError("ValidationException", self.ecr.register_pull_time_update_exclusion, principalArn=arn)
                self.assertError("ValidationException", self.ecr.deregister_pull_time_update_exclusion, principalArn=arn)
        self.assertError("ValidationException", self.ecr.register_pull_time_update_exclusion)

    def test_limit_and_pagination(self):
        arns = sorted(self.role(f"Role{i:03d}") for i in range(100))
        for arn in arns:
            self.ecr.register_pull_time_update_exclusion(principalArn=arn)
        self.assertError("LimitExceededException", self.ecr.register_pull_time_update_exclusion, principalArn=self.role("OneTooMany"))
        self.assertEqual(self.listed()["pullTimeUpdateExclusions"], arns)
        seen, token = [], None
        while True:
            page = self.listed(maxResults=30, **({"nextToken": token} if token else {}))
            seen += page["pullTimeUpdateExclusions"]
            token = page.get("nextToken")
            if not token:
                break
        self.assertEqual(seen, arns)
        for bad in (0, 1001):
            self.assertError("ValidationException", self.listed, maxResults=bad)
        self.assertError("InvalidParameterException", self.listed, nextToken="garbage")

    def test_per_account_and_region(self):
        self.ecr.register_pull_time_update_exclusion(principalArn=self.role())
        self.assertEqual(client("ecr", self.account, "us-west-2").list_pull_time_update_exclusions()["pullTimeUpdateExclusions"], [])


if __name__ == "__main__":
    unittest.main()
