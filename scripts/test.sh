#!/usr/bin/env bash
# scripts/test.sh — coopbot's whole test suite, self-provisioning.
#
# With TEST_DATABASE_URL set, the suite runs against that PostgreSQL (it
# must have pgvector; the role needs CREATEDB). Without it, this script:
#   1. installs the PostgreSQL 15 server (apt) if /usr/lib/postgresql/15/bin
#      is missing, and builds pgvector from Debian's source package if the
#      server lacks it (PostgreSQL 15 in bookworm has no pgvector package);
#   2. starts a throwaway cluster in a temporary directory on a free
#      127.0.0.1 port (fsync off: it is disposable);
#   3. starts a streaming read replica of it (pg_basebackup -R, another
#      port) for the read-replica test;
#   4. exports TEST_DATABASE_URL, TEST_DATABASE_READ_URL (and its data
#      directory, so the test may stop it), COOPBOT_REQUIRE_DB=1 and
#      COOPBOT_REQUIRE_REPLICA=1 so tests that need them fail instead of
#      skipping (with TEST_DATABASE_URL set by hand there is no replica,
#      and its test skips);
#   5. runs gofmt, go vet and go test -race; and
#   6. always stops both servers and removes the directory on exit.
# Set-up output goes to $COOPBOT_SETUP_LOG and is shown only on failure.
set -euo pipefail
cd "$(dirname "$0")/.."

PG_VERSION=${PG_VERSION:-15}

# The real-phrasing question sets (eval/README.md) run against both stores
# (EVAL_REAL=0 skips them). Their thresholds hold today's measured quality
# (README, "Quality") a little below what both stores reach, so a change
# that makes answers worse fails; issue 14's targets (recall@5 0.95, MRR
# 0.85, wrong abstentions <= 0.03, uncovered answered <= 0.05, lead-hit
# 0.85) are not met yet on test, and are what to raise them towards.
EVAL_REAL=${EVAL_REAL:-1}
EVAL_DEV_THRESHOLDS=(--min-recall5 0.945 --min-mrr 0.84 --max-wrong-abstain 0.075 --max-uncovered-answered 0.215 --min-lead-hit 0.77 --min-valid-citations 1)
EVAL_TEST_THRESHOLDS=(--min-recall5 0.945 --min-mrr 0.815 --max-wrong-abstain 0.145 --max-uncovered-answered 0.30 --min-lead-hit 0.675 --min-valid-citations 1)
PG_BIN=/usr/lib/postgresql/$PG_VERSION/bin
PG_SHARE=/usr/share/postgresql/$PG_VERSION
SETUP_LOG=${COOPBOT_SETUP_LOG:-${TMPDIR:-/tmp}/coopbot-setup.log}
: >"$SETUP_LOG"

command -v go >/dev/null 2>&1 || export PATH="$PATH:/usr/local/go/bin"

say() { echo "test.sh: $*" >&2; }

# quiet runs a set-up command with its output in the log; on failure it
# prints the log's tail and exits.
quiet() {
	if ! "$@" >>"$SETUP_LOG" 2>&1; then
		say "failed: $*"
		tail -n 60 "$SETUP_LOG" >&2
		exit 1
	fi
}

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

APT_OPTS=(-y -q --no-install-recommends -o DPkg::Lock::Timeout=900)
apt_updated=0
# apt_install installs Debian packages, running apt-get update once if the
# package lists are missing or stale.
apt_install() {
	export DEBIAN_FRONTEND=noninteractive
	say "installing $* (apt; log: $SETUP_LOG)"
	if $SUDO apt-get install "${APT_OPTS[@]}" "$@" >>"$SETUP_LOG" 2>&1; then
		return 0
	fi
	if [ "$apt_updated" = 0 ]; then
		quiet $SUDO apt-get -q -o DPkg::Lock::Timeout=900 update
		apt_updated=1
	fi
	quiet $SUDO apt-get install "${APT_OPTS[@]}" "$@"
}

# ensure_toolchain: go test -race needs cgo, so a C compiler.
ensure_toolchain() {
	if ! command -v gcc >/dev/null 2>&1; then
		apt_install gcc libc6-dev
	fi
}

ensure_postgres() {
	if [ ! -x "$PG_BIN/initdb" ] || [ ! -x "$PG_BIN/pg_ctl" ]; then
		apt_install "postgresql-$PG_VERSION"
	fi
}

# ensure_pgvector builds and installs pgvector from Debian trixie's source
# package, fetched through a private apt source list so the system's
# sources stay untouched.
ensure_pgvector() {
	if [ -f "$PG_SHARE/extension/vector.control" ]; then
		return 0
	fi
	local need=()
	[ -f "/usr/include/postgresql/$PG_VERSION/server/postgres.h" ] || need+=("postgresql-server-dev-$PG_VERSION")
	command -v make >/dev/null 2>&1 || need+=(make)
	command -v gcc >/dev/null 2>&1 || need+=(gcc libc6-dev)
	if [ ${#need[@]} -gt 0 ]; then
		apt_install "${need[@]}"
	fi
	local work
	work=$(mktemp -d "${TMPDIR:-/tmp}/coopbot-pgvector.XXXXXX")
	mkdir -p "$work/lists/partial" "$work/src"
	echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main" >"$work/sources.list"
	local opts=(-q -o "Dir::Etc::SourceList=$work/sources.list" -o Dir::Etc::SourceParts=/dev/null
		-o "Dir::State::Lists=$work/lists" -o APT::Sandbox::User=root)
	say "building pgvector from Debian source (log: $SETUP_LOG)"
	quiet apt-get "${opts[@]}" update
	(cd "$work/src" && quiet apt-get "${opts[@]}" source --download-only pgvector)
	local orig
	orig=$(ls "$work"/src/pgvector_*.orig.tar.* | head -n 1)
	quiet tar -xf "$orig" -C "$work/src"
	local dir
	dir=$(find "$work/src" -mindepth 1 -maxdepth 1 -type d | head -n 1)
	local pgc="/usr/lib/postgresql/$PG_VERSION/bin/pg_config"
	# pgvector's default OPTFLAGS (-march=native): it is built on the
	# machine that runs it, and k-NN search at 1M chunks measured about
	# 1.3x faster than with a portable build (docs/performance.md).
	quiet make -C "$dir" PG_CONFIG="$pgc" -j2
	quiet $SUDO make -C "$dir" PG_CONFIG="$pgc" install
	rm -rf "$work"
	[ -f "$PG_SHARE/extension/vector.control" ] || { say "pgvector install did not produce vector.control"; exit 1; }
}

# free_port prints a TCP port nothing listens on at 127.0.0.1.
free_port() {
	local p i
	for i in $(seq 1 200); do
		p=$((20000 + RANDOM % 30000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	say "no free port found"
	exit 1
}

PG_TMP=""
PG_RUNAS=()
stop_cluster() {
	if [ -n "$PG_TMP" ] && [ -d "$PG_TMP" ]; then
		local d
		for d in "$PG_TMP/replica/data" "$PG_TMP/data"; do
			if [ -f "$d/postmaster.pid" ]; then
				"${PG_RUNAS[@]}" "$PG_BIN/pg_ctl" -D "$d" -m immediate -w stop >>"$SETUP_LOG" 2>&1 || true
			fi
		done
		rm -rf "$PG_TMP"
	fi
}

start_cluster() {
	PG_TMP=$(mktemp -d /tmp/coopbot-pg.XXXXXX) # /tmp: the postgres user must reach it
	trap stop_cluster EXIT
	trap 'exit 130' INT TERM
	chmod 755 "$PG_TMP"
	if [ "$(id -u)" = 0 ]; then
		# initdb refuses to run as root.
		id postgres >/dev/null 2>&1 || quiet useradd --system --home-dir "$PG_TMP" --shell /bin/sh postgres
		chown postgres "$PG_TMP"
		PG_RUNAS=(runuser -u postgres --)
	fi
	quiet "${PG_RUNAS[@]}" "$PG_BIN/initdb" -D "$PG_TMP/data" -U postgres -A trust -E UTF8 --no-locale --no-sync
	local port
	port=$(free_port)
	# wal_keep_size: the read replica (start_replica) has no slot; the
	# primary keeps enough WAL for it to catch up after a busy stretch.
	quiet "${PG_RUNAS[@]}" "$PG_BIN/pg_ctl" -D "$PG_TMP/data" -l "$PG_TMP/postgres.log" -w -t 60 start \
		-o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$PG_TMP -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300 -c shared_buffers=128MB -c wal_keep_size=1GB"
	export TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
	say "PostgreSQL $PG_VERSION (pgvector) on 127.0.0.1:$port"
	start_replica "$port"
}

# start_replica starts a streaming read replica of the cluster on port $1:
# pg_basebackup -R (initdb's pg_hba allows local replication connections;
# wal_level=replica is the default), then a server on another port whose
# max_connections matches the primary's, as a standby requires.
start_replica() {
	local data="$PG_TMP/replica/data" port
	quiet "${PG_RUNAS[@]}" "$PG_BIN/pg_basebackup" -h 127.0.0.1 -p "$1" -U postgres -D "$data" -R -X stream --no-sync
	port=$(free_port)
	quiet "${PG_RUNAS[@]}" "$PG_BIN/pg_ctl" -D "$data" -l "$PG_TMP/replica.log" -w -t 60 start \
		-o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$PG_TMP -c fsync=off -c full_page_writes=off -c max_connections=300 -c shared_buffers=128MB"
	export TEST_DATABASE_READ_URL="postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
	export TEST_DATABASE_READ_PGDATA="$data" COOPBOT_REQUIRE_REPLICA=1
	say "streaming read replica on 127.0.0.1:$port"
}

if [ -z "${TEST_DATABASE_URL:-}" ]; then
	ensure_toolchain
	ensure_postgres
	ensure_pgvector
	start_cluster
else
	ensure_toolchain
	say "using TEST_DATABASE_URL from the environment"
fi
export COOPBOT_REQUIRE_DB="${COOPBOT_REQUIRE_DB:-1}"

# ---- extra set-up (e.g. headless Chromium for web tests) goes here -------
# Headless Chromium for the web page tests (web/, cmd/coopbot serve).
if ! command -v chromium >/dev/null 2>&1; then apt_install chromium; fi
export COOPBOT_REQUIRE_BROWSER=1
export TEST_ARTIFACTS=${TEST_ARTIFACTS:-${TMPDIR:-/tmp}/coopbot-test-artifacts}
mkdir -p "$TEST_ARTIFACTS"

# ---- end of extra set-up -------------------------------------------------

say "gofmt"
unformatted=$(gofmt -l . 2>&1)
if [ -n "$unformatted" ]; then
	say "these files need gofmt:"
	echo "$unformatted" >&2
	exit 1
fi

say "go vet ./..."
go vet ./...

say "go test -race -count=1 -timeout 30m ./..."
go test -race -count=1 -timeout 30m ./...

# ---- later steps (e.g. eval runs) go here --------------------------------
# The golden set through the real binary, against both stores; thresholds
# were set from measurement (README, "Quality").
bin_dir=$(mktemp -d)
go build -o "$bin_dir/coopbot" ./cmd/coopbot
thresholds=(--min-recall5 0.9 --min-mrr 0.75 --min-abstain-precision 0.9 --min-abstain-recall 0.9 --min-valid-citations 1)
say "coopbot eval eval/golden.jsonl (in-process store)"
env -u DATABASE_URL "$bin_dir/coopbot" eval "${thresholds[@]}" eval/golden.jsonl
# real_evals runs dev.jsonl and test.jsonl with their thresholds through
# the given command prefix; both run even when the first fails.
real_evals() {
	[ "$EVAL_REAL" = 1 ] || return 0
	local rc=0
	say "coopbot eval eval/dev.jsonl eval/test.jsonl ($1)"
	shift
	"$@" eval "${EVAL_DEV_THRESHOLDS[@]}" eval/dev.jsonl || rc=1
	"$@" eval "${EVAL_TEST_THRESHOLDS[@]}" eval/test.jsonl || rc=1
	return $rc
}
real_failed=0
real_evals "in-process store" env -u DATABASE_URL "$bin_dir/coopbot" || real_failed=1
say "coopbot eval eval/golden.jsonl (PostgreSQL store)"
base=${TEST_DATABASE_URL%%\?*}
query=${TEST_DATABASE_URL#"$base"}
eval_url="${base%/*}/coopbot_eval$query"
psql -q "$TEST_DATABASE_URL" -c 'DROP DATABASE IF EXISTS coopbot_eval' -c 'CREATE DATABASE coopbot_eval' >>"$SETUP_LOG" 2>&1
DATABASE_URL="$eval_url" "$bin_dir/coopbot" ingest
DATABASE_URL="$eval_url" "$bin_dir/coopbot" eval "${thresholds[@]}" eval/golden.jsonl
real_evals "PostgreSQL store" env DATABASE_URL="$eval_url" "$bin_dir/coopbot" || real_failed=1
psql -q "$TEST_DATABASE_URL" -c 'DROP DATABASE IF EXISTS coopbot_eval' >>"$SETUP_LOG" 2>&1
if [ "$real_failed" != 0 ]; then
	say "the real-phrasing sets missed their thresholds (EVAL_DEV_THRESHOLDS / EVAL_TEST_THRESHOLDS)"
	rm -rf "$bin_dir"
	exit 1
fi
# Scale smoke test (docs/performance.md): 20,000 synthetic chunks through
# bulk load, index build and search; fails when HNSW recall@10 < 0.95.
say "coopbot bench --chunks 20000 (PostgreSQL store)"
bench_url="${base%/*}/coopbot_bench$query"
psql -q "$TEST_DATABASE_URL" -c 'DROP DATABASE IF EXISTS coopbot_bench' -c 'CREATE DATABASE coopbot_bench' >>"$SETUP_LOG" 2>&1
DATABASE_URL="$bench_url" "$bin_dir/coopbot" bench --chunks 20000 --queries 100 --sweep "" --min-recall 0.95 --min-lexical-recall 0.95 --min-hybrid-recall 0.95 --json
psql -q "$TEST_DATABASE_URL" -c 'DROP DATABASE IF EXISTS coopbot_bench' >>"$SETUP_LOG" 2>&1
rm -rf "$bin_dir"

# ---- end of later steps --------------------------------------------------
