#!/usr/bin/env bash
# make demo: the main job on the local stand-ins.
#   1. the stand-ins up (moto on 127.0.0.1:$MOTO_PORT, MariaDB), credentials shown;
#   2. a legacy deployment seeded (MySQL rows + files under ./upload, as the seed app left them);
#   3. lab stages 0-2 applied on the stand-ins (IAM, DynamoDB tables, S3 bucket);
#   4. the legacy deployment migrated into DynamoDB + S3, and verified;
#   5. the app serving on http://localhost:8080 (Ctrl-C stops it): the legacy stage-0
#      app by default; DEMO_STAGE=2 serves the migrated copy (same users, same passwords).
# DEMO_USERS / DEMO_PHOTOS size the legacy deployment.
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
mkdir -p .cloudalbum/local
users=.cloudalbum/local/demo-users.tsv
bin/cloudalbum-legacy-seed --db-url "$DB_URL" --upload-dir "$UPLOAD" \
  --users "${DEMO_USERS:-5}" --photos-per-user "${DEMO_PHOTOS:-12}" --seed 1 --quiet > "$users"
column -t -s $'\t' "$users" 2>/dev/null || cat "$users"

step "3. Lab stages 0-2 on the stand-ins"
scripts/stage.sh 2

step "4. Migration: MySQL + $UPLOAD -> DynamoDB + S3"
migrate=(bin/cloudalbum-migrate --from-db "$DB_URL" --from-dir "$UPLOAD"
         --to lab-configs/generated/local/stage-2.yaml --state .cloudalbum/local/migrate.state)
"${migrate[@]}" run
"${migrate[@]}" verify

stage=${DEMO_STAGE:-0}
config=lab-configs/local/stage-$stage.yaml
[ "$stage" = 0 ] || config=lab-configs/generated/local/stage-$stage.yaml
step "5. CloudAlbum (stage $stage) on http://localhost:8080"
first=$(awk -F'\t' 'NR > 1 && $1 ~ /@/ { print $1 "  password: " $2; exit }' "$users")
echo "Sign in as: $first   (all users: $users)"
echo "(Ctrl-C stops the app; make local-down stops the AWS stand-in.)"
exec ./cloudalbum-serve --config "$config"
