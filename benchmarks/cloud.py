"""Containers and cloud logs, against what users do today with standard tools.

    .venv/bin/python benchmarks/cloud.py [--layers 4] [--layer-mb 64] [--trail-records 2000000]

1. `minehunt scan image` on an OCI layout (umoci, layers of /usr files plus a miner config)
   against the usual pipeline: `umoci unpack` of the image, then the YARA CLI (`-p N`, the
   same rules in libyara syntax) over the unpacked tree. The pipeline sees only the final
   file system (a file deleted by a later layer is gone); minehunt reads every layer.
2. `minehunt scan logs cloudtrail` on a generated CloudTrail tree (gzipped record files in
   the AWSLogs/<account>/CloudTrail/<region>/... layout, one stolen-key GPU burst hidden in
   a busy account) against `zcat | jq` selecting the same candidate events (the one-liners
   incident responders use), which only filters and judges nothing.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from files_scan import libyara_rules  # noqa: E402

MH = [sys.executable, "-m", "minehunt"]


def _timed(argv: list[str], **kw: object) -> tuple[float, subprocess.CompletedProcess[str]]:
    t0 = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, **kw)  # type: ignore[call-overload]
    return time.perf_counter() - t0, done


def build_image(tmp: Path, layers: int, layer_mb: int) -> Path:
    layout = tmp / "oci"
    subprocess.run(["umoci", "init", "--layout", str(layout)], check=True)
    subprocess.run(["umoci", "new", "--image", f"{layout}:bench"], check=True)
    files = sorted(
        p
        for p in Path("/usr/lib/x86_64-linux-gnu").rglob("*")
        if p.is_file() and not p.is_symlink()
    )
    random.Random(7).shuffle(files)
    it = iter(files)
    for n in range(layers):
        bundle = tmp / "b"
        subprocess.run(["umoci", "unpack", "--image", f"{layout}:bench", str(bundle)], check=True)
        root = bundle / "rootfs" / f"layer{n}"
        root.mkdir(parents=True)
        size = 0
        for f in it:
            try:
                shutil.copy2(f, root / f.name)
            except OSError:
                continue
            size += f.stat().st_size
            if size >= layer_mb << 20:
                break
        if n == 1:
            shutil.copy2(
                REPO / "tests/corpus/files/configs/xmrig_config.json", root / "config.json"
            )
        subprocess.run(["umoci", "repack", "--image", f"{layout}:bench", str(bundle)], check=True)
        shutil.rmtree(bundle)
    return layout


def bench_image(tmp: Path, layers: int, layer_mb: int, jobs: int) -> dict[str, float]:
    layout = build_image(tmp, layers, layer_mb)
    rules = tmp / "rules.yar"
    rules.write_text(libyara_rules())
    size = sum(p.stat().st_size for p in (layout / "blobs").rglob("*") if p.is_file())
    t_mh, mh = _timed(
        [*MH, "scan", "image", f"{layout}#bench", "-f", "json", "--jobs", str(jobs), "-q"]
    )
    assert mh.returncode in (0, 1), mh.stderr
    found = [
        f for f in json.loads(mh.stdout)["findings"] if "config.json" in str(f["target"]["path"])
    ]

    def pipeline() -> None:
        out = tmp / "unpacked"
        subprocess.run(
            ["umoci", "unpack", "--image", f"{layout}:bench", str(out)],
            check=True,
            capture_output=True,
        )
        subprocess.run(
            ["yara", "-r", "-p", str(jobs), str(rules), str(out / "rootfs")], capture_output=True
        )
        shutil.rmtree(out)

    t0 = time.perf_counter()
    pipeline()
    t_std = time.perf_counter() - t0
    return {"image_mb": size / 1e6, "minehunt_s": t_mh, "umoci_yara_s": t_std, "found": len(found)}


def build_trail(tmp: Path, records: int) -> Path:
    rnd = random.Random(3)
    base = tmp / "AWSLogs/123456789012/CloudTrail"
    names = [
        "DescribeInstances",
        "GetObject",
        "PutObject",
        "AssumeRole",
        "ListBuckets",
        "RunInstances",
    ]
    per_file = 5000
    t0 = 1796000000
    for i in range(0, records, per_file):
        region = rnd.choice(["us-east-1", "eu-west-1"])
        recs = []
        for j in range(per_file):
            t = t0 + (i + j) * 2
            name = rnd.choice(names)
            req = (
                {"instanceType": "c5.large", "instancesSet": {"items": [{"maxCount": 1}]}}
                if name == "RunInstances"
                else {"bucketName": "b"}
            )
            recs.append({
                "eventTime": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t)), "eventName": name,
                "eventSource": "ec2.amazonaws.com", "awsRegion": region, "recipientAccountId": "123456789012",
                "userIdentity": {"type": "IAMUser", "arn": f"arn:aws:iam::123456789012:user/u{rnd.randrange(50)}"},
                "sourceIPAddress": "198.51.100.7", "requestParameters": req,
            })  # fmt: skip
        if i == records // 2:
            for k in range(12):
                recs.append({
                    "eventTime": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t0 + (i + k) * 2)),
                    "eventName": "RunInstances", "awsRegion": "ap-south-1", "recipientAccountId": "123456789012",
                    "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::123456789012:user/stolen"},
                    "requestParameters": {"instanceType": "p3.16xlarge", "instancesSet": {"items": [{"maxCount": 4}]}},
                })  # fmt: skip
        d = base / region / "2026/11/30"
        d.mkdir(parents=True, exist_ok=True)
        with gzip.open(d / f"part{i // per_file:05d}.json.gz", "wt") as fh:
            json.dump({"Records": recs}, fh)
    return tmp / "AWSLogs"


def bench_trail(tmp: Path, records: int) -> dict[str, float]:
    root = build_trail(tmp, records)
    t_mh, mh = _timed([*MH, "scan", "logs", "cloudtrail", str(root), "-f", "json", "-q"])
    assert mh.returncode in (0, 1), mh.stderr
    hit = [
        f for f in json.loads(mh.stdout)["findings"] if f["target"]["name"].endswith("user/stolen")
    ]
    files = sorted(str(p) for p in root.rglob("*.json.gz"))
    jq = 'jq -c \'.Records[] | select(.eventName == "RunInstances" or .eventName == "CreateAccessKey" or .eventName == "StopLogging")\''
    t_jq, _ = _timed(["sh", "-c", f"zcat {' '.join(files)} | {jq} > /dev/null"])
    return {"records": records, "minehunt_s": t_mh, "zcat_jq_s": t_jq, "found": len(hit)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--layer-mb", type=int, default=64)
    ap.add_argument("--trail-records", type=int, default=2_000_000)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = ap.parse_args()
    print(f"machine: {platform.node()} {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory() as d:
        r = bench_image(Path(d), args.layers, args.layer_mb, args.jobs)
        print(f"scan image: {r['image_mb']:.0f} MB in {args.layers} layers: minehunt {r['minehunt_s']:.1f} s, "
              f"umoci unpack + yara -p {args.jobs} {r['umoci_yara_s']:.1f} s, ratio {r['umoci_yara_s'] / r['minehunt_s']:.2f}x; "
              f"miner config found: {r['found']}")  # fmt: skip
    with tempfile.TemporaryDirectory() as d:
        r = bench_trail(Path(d), args.trail_records)
        print(f"scan logs cloudtrail: {r['records']:,} records: minehunt {r['minehunt_s']:.1f} s "
              f"({r['records'] / r['minehunt_s']:,.0f} records/s), zcat | jq filter {r['zcat_jq_s']:.1f} s, "
              f"ratio {r['zcat_jq_s'] / r['minehunt_s']:.2f}x; burst principal found: {r['found']}")  # fmt: skip


if __name__ == "__main__":
    main()
