#!/usr/bin/env bash
# Start a throwaway PostgreSQL cluster on 127.0.0.1, run the given command with
# TEST_DATABASE_URL pointing at it, then stop and remove the cluster.
set -euo pipefail

PG_PORT="${PG_PORT:-55432}"
PG_BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)"
if [ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/initdb" ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
    echo "Installing Debian's PostgreSQL server..."
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    PG_BIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
  else
    echo "PostgreSQL server binaries are missing: install the 'postgresql' package, or set TEST_DATABASE_URL." >&2
    exit 1
  fi
fi

DATA="$(mktemp -d /tmp/ux-pg.XXXXXX)"
RUN_AS=()
if [ "$(id -u)" = "0" ]; then
  chown postgres:postgres "$DATA"
  RUN_AS=(runuser -u postgres --)
fi

cleanup() {
  "${RUN_AS[@]}" "$PG_BIN/pg_ctl" -D "$DATA/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$DATA"
}
trap cleanup EXIT

"${RUN_AS[@]}" "$PG_BIN/initdb" -D "$DATA/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
# The port may be held for a moment by another program, even as the local end of an
# outgoing connection (it lies in Linux's ephemeral range): then try the next ones.
started=""
for attempt in 1 2 3 4 5 6 7 8 9 10; do
  if "${RUN_AS[@]}" "$PG_BIN/pg_ctl" -D "$DATA/data" -l "$DATA/log" -w \
    -o "-k $DATA -p $PG_PORT -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" start >/dev/null; then
    started=1
    break
  fi
  echo "PostgreSQL could not start on port $PG_PORT; trying $((PG_PORT + 1))" >&2
  tail -3 "$DATA/log" >&2 || true
  PG_PORT=$((PG_PORT + 1))
done
[ -n "$started" ] || { echo "PostgreSQL did not start" >&2; exit 1; }
"$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres urban_exchange_test

export TEST_DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:${PG_PORT}/urban_exchange_test"
echo "PostgreSQL ready on 127.0.0.1:${PG_PORT}"
"$@"
