#!/bin/sh
# Runs once, when MySQL initialises its data directory: the migrator (DDL on
# the sunshine database) and the app user (its grants come after the
# migration, from deploy/grants.sql, because table grants need the tables).
set -eu
mysql -uroot -p"$(cat /run/secrets/mysql_root_password)" <<SQL
CREATE USER 'migrator'@'%' IDENTIFIED BY '${MIGRATOR_PASSWORD}';
GRANT ALL PRIVILEGES ON sunshine.* TO 'migrator'@'%';
CREATE USER 'sunshine'@'%' IDENTIFIED BY '${APP_PASSWORD}';
SQL
