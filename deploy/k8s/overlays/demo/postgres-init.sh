#!/bin/bash
# Runs once, when the demo PostgreSQL initializes its data directory: one role and one
# database per service, each role able to connect to its own database only.
set -euo pipefail

for service in catalog cases trading supervision; do
  var="${service^^}_PASSWORD"
  password="${!var}"
  psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
    --set=role="$service" --set=password="$password" <<'SQL'
CREATE ROLE :"role" LOGIN PASSWORD :'password';
CREATE DATABASE :"role" OWNER :"role";
REVOKE ALL ON DATABASE :"role" FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE :"role" TO :"role";
SQL
done
