"""Prepares the private S3 server (moto in server mode) for scripts/services.

moto checks SigV4 signatures only once IAM is enforced, and it is enforced after the
first INITIAL_NO_AUTH_ACTION_COUNT requests. This script spends exactly those requests
(3) on making a user with an S3-only policy and its access key, then creates the bucket
with that key, so every later request must be signed with it. Prints the key id and the
secret on one line each.

usage: s3_bootstrap.py ENDPOINT BUCKET
"""

import json
import sys

import boto3

endpoint, bucket = sys.argv[1], sys.argv[2]
anonymous = dict(
    endpoint_url=endpoint,
    region_name="us-east-1",
    aws_access_key_id="bootstrap",
    aws_secret_access_key="bootstrap",
)
iam = boto3.client("iam", **anonymous)
iam.create_user(UserName="execora")
policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
iam.put_user_policy(UserName="execora", PolicyName="s3", PolicyDocument=json.dumps(policy))
key = iam.create_access_key(UserName="execora")["AccessKey"]
s3 = boto3.client(
    "s3",
    endpoint_url=endpoint,
    region_name="us-east-1",
    aws_access_key_id=key["AccessKeyId"],
    aws_secret_access_key=key["SecretAccessKey"],
)
s3.create_bucket(Bucket=bucket)
print(key["AccessKeyId"])
print(key["SecretAccessKey"])
