#!/usr/bin/env bash
# make demo: the main job on the local stand-ins.
#   1. the stand-ins up (moto on 127.0.0.1:$MOTO_PORT, MariaDB), credentials shown;
#   2. a legacy deployment seeded (MySQL rows + files under ./upload, as the seed app left them);
#   3. the lab stages applied (IAM, DynamoDB, S3, Cognito, X-Ray) on the stand-ins;
#   4. the app serving on http://localhost:8080 (Ctrl-C stops it).
# DEMO_USERS / DEMO_PHOTOS size the legacy deployment; DEMO_STAGE picks what to serve.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${MOTO_PORT:-5000}
DB_URL=mysql://root@127.0.0.1:3306/cloudalbum_legacy
UPLOAD=${CLOUDALBUM_UPLOAD_FOLDER:-./upload}

step() { printf '\n== %s\n' "$*"; }

step "1. Local stand-ins"
scripts/local.sh up
export AWS_ENDPOINT_URL=http://127.0.0.1:$PORT
export AWS_ACCESS_KEY_ID=${AWS_ACCESS_KEY_ID:-local} AWS_SECRET_ACCESS_KEY=${AWS_SECRET_ACCESS_KEY:-local}
export AWS_REGION=${AWS_REGION:-ap-southeast-1}
bin/cloudalbum-aws configure-list
bin/cloudalbum-aws whoami

step "2. Legacy deployment (MySQL cloudalbum_legacy + $UPLOAD)"
users=$(mktemp)
trap 'rm -f "$users"' EXIT
bin/cloudalbum-legacy-seed --db-url "$DB_URL" --upload-dir "$UPLOAD" \
  --users "${DEMO_USERS:-5}" --photos-per-user "${DEMO_PHOTOS:-12}" --seed 1 --quiet > "$users"
column -t -s $'\t' "$users" 2>/dev/null || cat "$users"

step "3. Lab stages 0-4 on the stand-ins"
scripts/stage.sh 4

step "4. CloudAlbum (stage ${DEMO_STAGE:-0}) on http://localhost:8080"
first=$(awk -F'\t' 'NR > 1 && $1 ~ /@/ { print $1 "  password: " $2; exit }' "$users")
echo "Sign in as: $first"
echo "(Ctrl-C stops the app; make local-down stops the AWS stand-in.)"
exec ./cloudalbum-serve --config "lab-configs/local/stage-${DEMO_STAGE:-0}.yaml"
