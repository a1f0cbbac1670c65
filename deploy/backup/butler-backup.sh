#!/usr/bin/env bash
# Nightly backup of Butler (docs/operations.md, "Backup and restore"): the database as a pg_dump custom
# archive and the private files (message attachments) as a tar archive, into /var/backups/butler; archives
# older than BACKUP_KEEP_DAYS (35) are removed. Run as the butler user by butler-backup.timer.
set -euo pipefail

set -a
# shellcheck source=/dev/null
. /etc/butler/butler.env
set +a

mkdir -p /var/backups/butler
pg_dump --format=custom --no-owner --file=/var/backups/butler/butler-$(date +%F).dump "$DATABASE_URL"
tar --create --gzip --file=/var/backups/butler/private-$(date +%F).tar.gz \
    --directory="$BUTLER_PRIVATE_FILES" .

# The archive must open: a dump that pg_restore cannot list is no backup.
pg_restore --list /var/backups/butler/butler-$(date +%F).dump >/dev/null

find /var/backups/butler -name 'butler-*.dump' -mtime +"${BACKUP_KEEP_DAYS:-35}" -delete
find /var/backups/butler -name 'private-*.tar.gz' -mtime +"${BACKUP_KEEP_DAYS:-35}" -delete
echo "backup done: /var/backups/butler/butler-$(date +%F).dump, private-$(date +%F).tar.gz"
