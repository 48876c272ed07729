#!/usr/bin/env bash
# make demo: the main job on the local stand-ins. Grows with each part of the toolkit.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${MOTO_PORT:-5000}
scripts/local.sh up
export AWS_ENDPOINT_URL=http://127.0.0.1:$PORT
export AWS_ACCESS_KEY_ID=${AWS_ACCESS_KEY_ID:-testing} AWS_SECRET_ACCESS_KEY=${AWS_SECRET_ACCESS_KEY:-testing}
export AWS_REGION=${AWS_REGION:-ap-southeast-1}
echo; echo "== cloudalbum-aws configure-list"; bin/cloudalbum-aws configure-list
echo; echo "== cloudalbum-aws whoami"; bin/cloudalbum-aws whoami
