# igbridge — `make run` starts the service, `make test` runs every test (real MySQL and PostgreSQL included).
SHELL := /bin/bash
.DEFAULT_GOAL := help
NODE_RUN := node --import tsx

.PHONY: help install build run test bench typecheck generate clean

help:
	@echo "make run    install, create .env if absent, migrate SQLite, start on PORT (default 3000)"
	@echo "make test   install, make sure MySQL and PostgreSQL answer, run every test"
	@echo "make bench  load and fault benchmark (prints a table)"

node_modules/.install-stamp: package.json package-lock.json
	@echo "Installing dependencies; the first time this compiles better-sqlite3 (a native module) and may take a few minutes."
	npm ci --no-audit --no-fund
	@touch $@

install: node_modules/.install-stamp

.env:
	@bash scripts/create-env.sh

# The service runs compiled (node dist/main.js, no tsx at run time); scripts/ensure-build.sh
# rebuilds dist/ when a source is newer than its stamp (the npm scripts use the same check).
build: install
	@bash scripts/ensure-build.sh

run: install .env build
	exec node dist/main.js

test: install
	@bash scripts/ensure-mysql.sh
	@bash scripts/ensure-postgres.sh
	@bash scripts/ensure-chromium.sh
	npx vitest run

bench: install
	@bash scripts/ensure-mysql.sh
	@bash scripts/ensure-postgres.sh
	$(NODE_RUN) bench/run.ts

typecheck: install
	npx tsc --noEmit -p .

# Migrations for both stores: SQLite (drizzle/) and PostgreSQL (drizzle-pg/).
generate: install
	npx drizzle-kit generate
	npx drizzle-kit generate --config drizzle.pg.config.ts

clean:
	rm -rf node_modules dist test-results
