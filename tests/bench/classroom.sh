#!/usr/bin/env bash
# cloudalbum-classroom: the wall time of `up --stage 4` for a prefix-mode class of 10 and
# of 40 attendees on a fresh moto stand-in, and how it scales with --jobs; the baseline is
# the first run (by default 10 attendees with --jobs 1), measured in this run. Every attendee gets a stand-in Cloud9
# instance first. On a small machine the stand-in (one Python process) limits the rate.
#
#   CA_BIN                    the binaries (default bin/)
#   BENCH_CLASS_RUNS          "attendees:jobs ..." (default "10:1 10:4 40:4 40:8")
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
PY=${PY:-$ROOT/.venv/bin/python}
BIN=${CA_BIN:-$ROOT/bin}
RUNS=${BENCH_CLASS_RUNS:-"10:1 10:4 40:4 40:8"}
[ -x "$BIN/cloudalbum-classroom" ] || { echo "classroom.sh: $BIN/cloudalbum-classroom is missing: run make" >&2; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/cloudalbum-bench-classroom.XXXXXX")
PORT=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
MOTO_PID=
cleanup() {
  [ -n "$MOTO_PID" ] && kill "$MOTO_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
MOTO_COGNITO_IDP_USER_POOL_ID_STRATEGY=HASH "$ROOT/.venv/bin/moto_server" -H 127.0.0.1 \
  -p "$PORT" >"$WORK/moto.log" 2>&1 &
MOTO_PID=$!
export AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench AWS_REGION=ap-southeast-1 \
  AWS_EC2_METADATA_DISABLED=true MOTO_PORT=$PORT
unset AWS_ENDPOINT_URL AWS_PROFILE
"$PY" - "$PORT" <<'PY'
import sys, time, urllib.request
for _ in range(300):
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/moto-api/", timeout=1); break
    except Exception:
        time.sleep(0.1)
PY

# A fresh stand-in, n attendees (each with a Cloud9 stand-in instance) and their roster.
prepare() {
  "$PY" - "$PORT" "$1" "$WORK/roster.yaml" <<'PY'
import sys, urllib.request, boto3
port, n, roster = sys.argv[1], int(sys.argv[2]), sys.argv[3]
url = f"http://127.0.0.1:{port}"
urllib.request.urlopen(urllib.request.Request(url + "/moto-api/reset", method="POST", data=b""))
ec2 = boto3.client("ec2", region_name="ap-southeast-1", endpoint_url=url,
                   aws_access_key_id="bench", aws_secret_access_key="bench")
image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
lines = ["class: bench", "region: ap-southeast-1", "target: local", "attendees:"]
for i in range(n):
    ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, InstanceType="t2.micro",
                      TagSpecifications=[{"ResourceType": "instance", "Tags": [
                          {"Key": "Name", "Value": f"aws-cloud9-workshop-a{i}-env"}]}])
    lines.append(f"  - {{name: a{i}, prefix: a{i}}}")
open(roster, "w").write("\n".join(lines) + "\n")
PY
  rm -rf "$WORK/state"
}

base=
base_n=
first=${RUNS%% *}
echo "classroom: up --stage 4, prefix mode, fresh stand-in per run (baseline: ${first%%:*} attendees, --jobs ${first##*:})"
for run in $RUNS; do
  n=${run%%:*}; jobs=${run##*:}
  prepare "$n"
  start=$(date +%s.%N)
  "$BIN/cloudalbum-classroom" up --stage 4 --jobs "$jobs" --roster "$WORK/roster.yaml" \
    --state-dir "$WORK/state" --configs "$ROOT/lab-configs/local" --no-progress \
    >"$WORK/up.log" 2>&1 || { echo "classroom.sh: up failed for $n attendees:"; tail -5 "$WORK/up.log"; exit 1; }
  end=$(date +%s.%N)
  secs=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }')
  [ -n "$base" ] || { base=$secs; base_n=$n; }
  awk -v n="$n" -v j="$jobs" -v s="$secs" -v b="$base" -v bn="$base_n" 'BEGIN {
    printf "  %3d attendees --jobs %-2d %7.2f s  %5.2f s/attendee  time vs baseline %5.2fx  per-attendee rate vs baseline %5.2fx\n",
      n, j, s, s / n, s / b, (n / s) / (bn / b) }'
done
