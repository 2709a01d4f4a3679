#include "CSQLiteSupport.h"

/* Declared in sqlite-nio's VaporCSQLite (sqlite_nio_sqlite3.h), which is not a product another
   package can depend on; the symbol is linked in with SQLiteNIO. */
extern int sqlite_nio_sqlite3_db_config(void *db, int op, ...);

/* SQLITE_DBCONFIG_ENABLE_QPSG in sqlite3.h. */
#define MEGHNA_SQLITE_DBCONFIG_ENABLE_QPSG 1007

int meghna_sqlite_enable_qpsg(void *db) {
    int enabled = 0;
    int code = sqlite_nio_sqlite3_db_config(db, MEGHNA_SQLITE_DBCONFIG_ENABLE_QPSG, 1, &enabled);
    if (code == 0 && enabled != 1) return 1; /* SQLITE_ERROR: the option did not take */
    return code;
}
