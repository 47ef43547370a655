"""Shared helpers: clients for a fresh random account against the running LocalStack.

The endpoint is $BETEKK_LOCALSTACK_ENDPOINT, else http://127.0.0.1:$BETEKK_LOCALSTACK_PORT (4566).
"""

import os
import random
import unittest

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

ENDPOINT = os.environ.get("BETEKK_LOCALSTACK_ENDPOINT") or f"http://127.0.0.1:{os.environ.get('BETEKK_LOCALSTACK_PORT', '4566')}"
REGION = "eu-central-1"
# No client-side checks, so the server's own validation is what is tested; no retries, so a 500
# shows up as such.
RAW = Config(parameter_validation=False, retries={"max_attempts": 1, "mode": "standard"})


def new_account() -> str:
    return "".join(random.choice("0123456789") for _ in range(12))


def client(service: str, account: str, region: str = REGION):
    return boto3.client(
        service,
        endpoint_url=ENDPOINT,
        aws_access_key_id=account,
        aws_secret_access_key="test",
        region_name=region,
        config=RAW,
    )


class AccountTestCase(unittest.TestCase):
    """Each test gets its own account (a random 12-digit access key id)."""

    def setUp(self):
        self.account = new_account()
        self.ecr = client("ecr", self.account)

    def assertError(self, code, fn, message_part=None, **kwargs):
        with self.assertRaises(ClientError) as cm:
            fn(**kwargs)
        err = cm.exception.response["Error"]
        self.assertEqual(err["Code"], code, err.get("Message"))
        self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 400, err)
        if message_part:
            self.assertIn(message_part, err.get("Message", ""))
        return err

    def secret_arn(self, name="ecr-pullthroughcache/upstream-creds", account=None, region=REGION):
        return f"arn:aws:secretsmanager:{region}:{account or self.account}:secret:{name}-AbCdEf"

    def role_arn(self, name="ptc-role", account=None):
        return f"arn:aws:iam::{account or self.account}:role/{name}"


def strip(response: dict) -> dict:
    response = dict(response)
    response.pop("ResponseMetadata", None)
    return response
