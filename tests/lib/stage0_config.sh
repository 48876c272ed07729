# Sourced by the shell drivers that start a real cloudalbum-serve or migrate to a
# target (tests/bench/*.sh, tests/e2e/run.sh); defines functions only.

CA_TESTS_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

# write_stage0_config FILE DB UPLOAD_DIR LISTEN BASE_URL SECRET [SERVER_EXTRA]
# Writes FILE: a stage-0 cloudalbum-serve config (MariaDB database DB on 127.0.0.1:3306 as
# root, disk storage in UPLOAD_DIR, local sign-in, no tracing, static files from build/web, the bundle `make build`
# writes; CA_STATIC_DIR overrides it, e.g. web for the unbundled tree).
# SECRET goes in as written, so '${VAR}' leaves it to the server's expansion; SERVER_EXTRA
# is more "  key: value" lines for the server: section, each ending in a newline.
# Returns non-zero when FILE cannot be written.
write_stage0_config() {
	local file=$1 db=$2 upload=$3 listen=$4 base_url=$5 secret=$6 extra=${7:-}

	cat >"$file" <<CONFIG
stage: 0
server:
  listen: $listen
  base_url: $base_url
  session_secret: $secret
  static_dir: ${CA_STATIC_DIR:-$CA_TESTS_ROOT/build/web}
${extra}database:
  kind: mysql
  url: mysql://root@127.0.0.1:3306/$db
storage:
  kind: disk
  path: $upload
auth:
  kind: local
tracing:
  kind: none
CONFIG
}

# write_stage2_bench_target FILE PORT
# Writes FILE: the stage-2 target the migration benchmarks migrate to (DynamoDB and the
# bucket bench-photos, on a stand-in at 127.0.0.1:PORT, region ap-southeast-1).
write_stage2_bench_target() {
	cat >"$1" <<YAML
stage: 2
server:
  session_secret: benchbenchbenchbenchbenchbenchbench
database:
  kind: dynamodb
storage:
  kind: s3
  bucket: bench-photos
auth:
  kind: local
tracing:
  kind: none
aws:
  region: ap-southeast-1
  endpoint: http://127.0.0.1:$2
YAML
}
