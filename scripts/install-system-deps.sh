#!/usr/bin/env bash
# System packages the test suite needs: Debian's chromium and chromium-driver for the dash[testing] UI tests, and the others below.
# Installs them when missing (as root, as on CI); otherwise says what to install.
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need+=(chromium-driver)
# unixODBC and the SQLite ODBC driver: the SQL Server migration runner is tested through ODBC (tests/tsi/db).
command -v odbcinst >/dev/null 2>&1 || need+=(unixodbc)
[ -e /usr/include/sql.h ] || need+=(unixodbc-dev)
odbcinst -q -d 2>/dev/null | grep -qix '\[SQLite3\]' || need+=(libsqliteodbc)
# FreeTDS, the SQL Server ODBC driver Debian ships (the mssql tests use it when a T-SQL server is given).
odbcinst -q -d 2>/dev/null | grep -qix '\[FreeTDS\]' || need+=(tdsodbc)
# A real Redis for the shared-cache tests (started by the tests on a free loopback port, never as a service).
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
# Prometheus: promtool checks the /metrics exposition, and the serving tests start a prometheus server on a free
# loopback port with a scrape config of their own (never the packaged service).
command -v promtool >/dev/null 2>&1 || need+=(prometheus)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need[@]}" >/dev/null
else
  echo "missing system packages: ${need[*]} (sudo apt-get install ${need[*]})" >&2
  exit 1
fi
