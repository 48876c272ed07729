/*
 * disk.h — the storage backend on a local directory, the legacy UPLOAD_FOLDER.
 *
 * Layout as in layout.h: <root>/<norm(email)>/<filename> and
 * <root>/<norm(email)>/thumbnails/<filename> (thumbnail/ also read and deleted).
 * Writes go to a temporary file in the same directory, are fsync'd and renamed
 * into place, and the directory is fsync'd. Every path below the root is opened
 * relative to a descriptor of the root without following symbolic links, so a
 * link planted under the root cannot lead outside it; FIFOs and devices are
 * refused. Safe for use from several threads at once.
 */
#ifndef CA_STORAGE_DISK_H
#define CA_STORAGE_DISK_H

#include "storage/storage.h"

/*
 * Opens the backend on directory root, creating root (one level, mode 0755)
 * when it does not exist. On CA_OK *out is the backend (ca_storage_release()
 * frees it); on error *out is NULL and the result is CA_EINVAL, CA_STORAGE_IO
 * or CA_ENOMEM.
 */
int ca_storage_disk_open(const char *root, struct ca_storage **out, struct ca_err *err);

#endif
