#!/usr/bin/env bash
# Creates .env from .env.example with fresh random secrets for local use. Never overwrites.
set -euo pipefail
[ -f .env ] && exit 0
umask 077   # .env holds every secret: readable by its owner only (0600)
random() { node -e 'process.stdout.write(require("node:crypto").randomBytes(24).toString("hex"))'; }
sed -e "s/^API_TOKEN=$/API_TOKEN=$(random)/" \
    -e "s/^IG_VERIFY_TOKEN=$/IG_VERIFY_TOKEN=$(random)/" \
    -e "s/^IG_APP_SECRET=$/IG_APP_SECRET=$(random)/" \
    .env.example > .env
echo "Created .env from .env.example with random API_TOKEN, IG_VERIFY_TOKEN and IG_APP_SECRET."
echo "Set IG_APP_SECRET and IG_ACCESS_TOKEN to your Meta app's values before pointing Meta at it."
