#!/usr/bin/env python3
"""Makes a fresh, empty migration target on a stand-in for tests/bench/migrate.sh: the
User (with user-email-index), Photo and User-guard tables and the bucket, after
forgetting everything the stand-in held.

    bench_target.py ENDPOINT moto|standin BUCKET
    bench_target.py ENDPOINT stats        (the latency stand-in's request counts, JSON)
"""
import sys
import time
import urllib.request

import boto3


def post(url):
    urllib.request.urlopen(urllib.request.Request(url, method="POST", data=b""), timeout=10).read()


def main():
    ep, kind = sys.argv[1], sys.argv[2]
    probe = ep + ("/moto-api/" if kind == "moto" else "/__standin/stats")
    for _ in range(100):
        try:
            urllib.request.urlopen(probe, timeout=1).read()
            break
        except Exception:
            time.sleep(0.1)
    if kind == "stats":
        print(urllib.request.urlopen(ep + "/__standin/stats", timeout=10).read().decode())
        return
    bucket = sys.argv[3]
    post(ep + ("/moto-api/reset" if kind == "moto" else "/__standin/reset"))
    kw = dict(region_name="ap-southeast-1", endpoint_url=ep, aws_access_key_id="b", aws_secret_access_key="b")
    d = boto3.client("dynamodb", **kw)
    t = {"ReadCapacityUnits": 10, "WriteCapacityUnits": 10}
    d.create_table(TableName="User", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                   AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"},
                                         {"AttributeName": "email", "AttributeType": "S"}],
                   GlobalSecondaryIndexes=[{"IndexName": "user-email-index",
                                            "KeySchema": [{"AttributeName": "email", "KeyType": "HASH"}],
                                            "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["password"]},
                                            "ProvisionedThroughput": t}],
                   ProvisionedThroughput=t)
    d.create_table(TableName="Photo", KeySchema=[{"AttributeName": "user_id", "KeyType": "HASH"},
                                                 {"AttributeName": "id", "KeyType": "RANGE"}],
                   AttributeDefinitions=[{"AttributeName": "user_id", "AttributeType": "S"},
                                         {"AttributeName": "id", "AttributeType": "N"}],
                   ProvisionedThroughput=t)
    d.create_table(TableName="User-guard", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                   AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}], ProvisionedThroughput=t)
    boto3.client("s3", **kw).create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "ap-southeast-1"})


if __name__ == "__main__":
    main()
