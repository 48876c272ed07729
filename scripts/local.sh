#!/usr/bin/env bash
# The local stand-ins: `local.sh up|down|status`.
#   AWS:    moto in server mode on 127.0.0.1:$MOTO_PORT (default 5000), state in memory,
#           pid and log under .cloudalbum/local/.
#   MySQL:  MariaDB on 127.0.0.1:3306 (started by ensure-deps.sh where it was not running).
#   X-Ray daemon: scripts/xray-daemon.py on UDP 127.0.0.1:$XRAY_DAEMON_PORT (default 2000),
#           sending the app's segments to moto with PutTraceSegments as the real daemon
#           sends them to X-Ray (stage 4); pid and log under .cloudalbum/local/.
#           Started only beside a moto this script started (and it stops with that
#           moto); XRAY_DAEMON_PORT=off starts none.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${MOTO_PORT:-5000}
DIR=.cloudalbum/local
PIDF=$DIR/moto-$PORT.pid
LOG=$DIR/moto-$PORT.log
URL=http://127.0.0.1:$PORT
XPORT=${XRAY_DAEMON_PORT:-2000}
XPIDF=$DIR/xray-daemon-$XPORT.pid
XLOG=$DIR/xray-daemon-$XPORT.log

running() { [ -f "$PIDF" ] && kill -0 "$(cat "$PIDF")" 2>/dev/null; }
xray_running() { [ -f "$XPIDF" ] && kill -0 "$(cat "$XPIDF")" 2>/dev/null; }

# The X-Ray daemon stand-in, forwarding to this moto; started once per UDP port.
xray_up() {
  [ "$XPORT" = off ] && return 0
  xray_running && return 0
  running || return 0  # a moto started elsewhere (tests) brings its own daemon
  setsid .venv/bin/python scripts/xray-daemon.py --listen "127.0.0.1:$XPORT" \
    --endpoint "$URL" --watch-pid "$(cat "$PIDF")" --region "${CA_LOCAL_REGION:-ap-southeast-1}" >"$XLOG" 2>&1 < /dev/null &
  echo $! > "$XPIDF"
  for _ in $(seq 1 50); do grep -q '^ready' "$XLOG" 2>/dev/null && return 0; \
    kill -0 "$(cat "$XPIDF")" 2>/dev/null || break; sleep 0.1; done
  rm -f "$XPIDF"
  echo "local-up: the X-Ray daemon stand-in did not start on UDP $XPORT (taken by another" \
       "daemon?); see $XLOG. Stage 4's traces need one there (XRAY_DAEMON_PORT= to move it)." >&2
}
answers() { curl -fsS -m 2 "$URL/moto-api/" >/dev/null 2>&1; }

report() {
  if running; then
    echo "AWS stand-in (moto):  $URL  pid $(cat "$PIDF")  log $LOG"
  elif answers; then
    echo "AWS stand-in (moto):  $URL  (answering, started elsewhere)"
  else
    echo "AWS stand-in (moto):  not running (make local-up)"
  fi
  if mariadb -h 127.0.0.1 -u root -e 'SELECT 1' >/dev/null 2>&1; then
    echo "Legacy MySQL:         mysql://root@127.0.0.1:3306/cloudalbum_legacy"
  else
    echo "Legacy MySQL:         not reachable on 127.0.0.1:3306"
  fi
  if [ "$XPORT" = off ]; then
    echo "X-Ray daemon stand-in: off (XRAY_DAEMON_PORT=off)"
  elif xray_running; then
    echo "X-Ray daemon stand-in: udp://127.0.0.1:$XPORT -> $URL  pid $(cat "$XPIDF")  log $XLOG"
  elif running; then
    echo "X-Ray daemon stand-in: not running (make local-up)"
  else
    echo "X-Ray daemon stand-in: not started (moto was not started here; run" \
         "scripts/xray-daemon.py --endpoint $URL for stage 4's traces)"
  fi
  echo "Use it:               export AWS_ENDPOINT_URL=$URL"
}

# The stand-in for an attendee's Cloud9 instance, so stage 0 has something to attach its
# instance profile to: one instance tagged Name=aws-cloud9-workshop-local-standin in
# $CA_LOCAL_REGION (default ap-southeast-1), made only when no such instance runs.
standin_instance() {
  AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local .venv/bin/python - "$URL" \
    "${CA_LOCAL_REGION:-ap-southeast-1}" <<'PY'
import sys
import boto3
url, region = sys.argv[1], sys.argv[2]
ec2 = boto3.client("ec2", region_name=region, endpoint_url=url)
name = "aws-cloud9-workshop-local-standin"
found = ec2.describe_instances(Filters=[
    {"Name": "tag:Name", "Values": [name]},
    {"Name": "instance-state-name", "Values": ["pending", "running", "stopping", "stopped"]}])
if not any(r["Instances"] for r in found["Reservations"]):
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, InstanceType="t2.micro",
                      TagSpecifications=[{"ResourceType": "instance",
                                          "Tags": [{"Key": "Name", "Value": name}]}])
    print(f"Cloud9 stand-in:      EC2 instance {name} created in {region}")
else:
    print(f"Cloud9 stand-in:      EC2 instance {name} in {region}")
PY
}

case "${1:-status}" in
up)
  mkdir -p "$DIR"
  if ! running && ! answers; then
    MOTO_COGNITO_IDP_USER_POOL_ID_STRATEGY=HASH \
      setsid .venv/bin/python scripts/moto-server.py -H 127.0.0.1 -p "$PORT" >"$LOG" 2>&1 < /dev/null &
    echo $! > "$PIDF"
    for _ in $(seq 1 100); do answers && break; sleep 0.2; done
    answers || { echo "local-up: moto did not start on port $PORT; see $LOG" >&2; exit 1; }
  fi
  standin_instance
  xray_up
  report ;;
down)
  if xray_running; then
    kill "$(cat "$XPIDF")" && rm -f "$XPIDF"
    echo "X-Ray daemon stand-in on UDP $XPORT stopped"
  fi
  if running; then
    kill "$(cat "$PIDF")" && rm -f "$PIDF"
    echo "AWS stand-in (moto) on port $PORT stopped"
  else
    rm -f "$PIDF"; echo "AWS stand-in (moto) on port $PORT was not running (from here)"
  fi ;;
status) report ;;
*) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
