# shellcheck shell=bash
# ensure_postgres: make sure a PostgreSQL server answers for the integration tests, at
# REGISTRAR_TEST_PG_URL (default postgres://postgres@127.0.0.1:5432/test, trust auth). If none
# answers, start Debian's cluster, installing it first if needed, and allow trusted local connections
# for the test database. Never skips: the tests need both engines.

pg_answers() { (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; }

ensure_postgres() {
  export REGISTRAR_TEST_PG_URL="${REGISTRAR_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432/test}"
  if ! pg_answers; then
    echo "==> no PostgreSQL on 127.0.0.1:5432; starting Debian's"
    if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
      as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
      as_root apt-get update -qq
      as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    fi
    local version hba
    version=$(ls /etc/postgresql | sort -V | tail -n 1)
    hba=/etc/postgresql/$version/main/pg_hba.conf
    grep -q '^host all all 127.0.0.1/32 trust' "$hba" || sed -i '1i host all all 127.0.0.1/32 trust' "$hba"
    pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null || pg_ctlcluster --skip-systemctl-redirect "$version" main reload
    for _ in $(seq 1 30); do pg_answers && break; sleep 1; done
  fi
  if ! pg_answers; then
    echo "PostgreSQL does not answer on 127.0.0.1:5432" >&2
    return 1
  fi
  local db="${REGISTRAR_TEST_PG_URL##*/}"
  if command -v psql >/dev/null 2>&1; then
    psql "${REGISTRAR_TEST_PG_URL%/*}/postgres" -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1 \
      || psql "${REGISTRAR_TEST_PG_URL%/*}/postgres" -qc "CREATE DATABASE \"$db\""
  fi
}
