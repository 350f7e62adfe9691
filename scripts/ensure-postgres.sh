#!/usr/bin/env bash
# Makes sure the tests have a PostgreSQL server (SPEC §14), in this order:
#   1. PG_TEST_URL, if set (postgres://user:pass@host:port/db);
#   2. a server on 127.0.0.1:5432 (trust auth, user postgres), started here with the machine's
#      cluster (pg_ctlcluster) if PostgreSQL is installed but not running;
#   3. `docker compose` with the repo's compose.yaml, where a Docker engine runs.
# None → a clear error and exit 1: the PostgreSQL tests are never skipped.
set -uo pipefail

if [ -n "${PG_TEST_URL:-}" ]; then
  echo "PostgreSQL for tests: PG_TEST_URL"
  exit 0
fi

LOCAL_URL="postgres://postgres@127.0.0.1:5432/postgres"
answers() { node scripts/pg-ping.mjs "$LOCAL_URL" >/dev/null 2>&1; }

if answers; then
  echo "PostgreSQL for tests: 127.0.0.1:5432"
  exit 0
fi

if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
  for version in $(ls /etc/postgresql); do
    [ -d "/etc/postgresql/$version/main" ] || continue
    echo "PostgreSQL on 127.0.0.1:5432 does not answer; starting the local cluster $version/main…"
    pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  done
  for _ in $(seq 1 60); do
    if answers; then echo "PostgreSQL for tests: 127.0.0.1:5432 (started)"; exit 0; fi
    sleep 1
  done
fi

if command -v docker >/dev/null && docker info >/dev/null 2>&1 && [ -f compose.yaml ]; then
  echo "Starting PostgreSQL with docker compose…"
  docker compose up -d --wait postgres && { echo "PostgreSQL for tests: docker compose"; exit 0; }
fi

cat >&2 <<'MSG'
make test: no PostgreSQL server for the PostgreSQL store's tests.
  Set PG_TEST_URL=postgres://user:password@host:port/database (a user that may create databases),
  or run PostgreSQL on 127.0.0.1:5432 (user postgres, trust authentication),
  or install Docker and let `docker compose` start the one in compose.yaml.
MSG
exit 1
