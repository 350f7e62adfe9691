#!/usr/bin/env bash
# Makes sure the tests have a MySQL-compatible server (SPEC §7), in this order:
#   1. CRM_TEST_MYSQL_URL, if set (mysql://user:pass@host:port/db);
#   2. a server on 127.0.0.1:3306 (root, empty password, database `test`), started here
#      with the machine's mariadbd if it is installed but not running;
#   3. `docker compose` with the repo's compose.yaml, where a Docker engine runs.
# None → a clear error and exit 1: the MySQL tests are never skipped.
set -uo pipefail

if [ -n "${CRM_TEST_MYSQL_URL:-}" ]; then
  echo "MySQL for tests: CRM_TEST_MYSQL_URL"
  exit 0
fi

answers() { node scripts/mysql-ping.mjs "mysql://root@127.0.0.1:3306/test" >/dev/null 2>&1; }

if answers; then
  echo "MySQL for tests: 127.0.0.1:3306"
  exit 0
fi

if [ -x /usr/sbin/mariadbd ] && command -v start-stop-daemon >/dev/null; then
  echo "MySQL on 127.0.0.1:3306 does not answer; starting the local MariaDB…"
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
  for _ in $(seq 1 60); do
    if answers; then echo "MySQL for tests: 127.0.0.1:3306 (started)"; exit 0; fi
    sleep 1
  done
fi

if command -v docker >/dev/null && docker info >/dev/null 2>&1 && [ -f compose.yaml ]; then
  echo "Starting MySQL with docker compose…"
  docker compose up -d --wait mysql && { echo "MySQL for tests: docker compose"; exit 0; }
fi

cat >&2 <<'MSG'
make test: no MySQL-compatible server for the CRM tests.
  Set CRM_TEST_MYSQL_URL=mysql://user:password@host:port/database,
  or run MySQL/MariaDB on 127.0.0.1:3306 (user root, empty password, database `test`),
  or install Docker and let `docker compose` start the one in compose.yaml.
MSG
exit 1
