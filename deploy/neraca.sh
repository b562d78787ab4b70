#!/bin/sh
# Runs one `neraca` command in the compose stack (docker-compose.yml): `sh deploy/neraca.sh start`.
#
# Every API and worker replica must use the same master key: it opens the API and signs the
# webhooks. Set BLNK_SERVER_SECRET_KEY (an .env file beside docker-compose.yml, or the shell);
# left unset, the `migrate` service, which runs once before all others, generates one into the
# shared data volume and every process reads it from there.
set -eu
key_file="${NERACA_DATA_DIR:-/data}/secret_key"
if [ -z "${BLNK_SERVER_SECRET_KEY:-}" ]; then
  if [ ! -s "$key_file" ] && [ "${1:-}" = migrate ]; then
    mkdir -p "$(dirname "$key_file")"
    (umask 077 && node -e \
      'process.stdout.write("nrc_" + require("crypto").randomBytes(32).toString("base64url") + "\n")' \
      >"$key_file.new" && mv "$key_file.new" "$key_file")
    echo "Generated a master API key, kept in $key_file: docker compose exec worker cat $key_file"
  fi
  if [ ! -s "$key_file" ]; then
    echo "neraca: no master key: set BLNK_SERVER_SECRET_KEY or run the migrate service first" >&2
    exit 1
  fi
  BLNK_SERVER_SECRET_KEY="$(cat "$key_file")"
  export BLNK_SERVER_SECRET_KEY
fi
exec node "$(dirname "$0")/../bin/neraca.js" "$@"
