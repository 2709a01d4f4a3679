#ifndef MEGHNA_CSQLITE_SUPPORT_H
#define MEGHNA_CSQLITE_SUPPORT_H

/// Turns on SQLite's query planner stability guarantee (SQLITE_DBCONFIG_ENABLE_QPSG) for a
/// connection of the SQLite that sqlite-nio embeds: a prepared statement keeps its plan whatever
/// values are bound, instead of being prepared again at every step after a new bind when STAT4
/// statistics exist. `sqlite3_db_config` is variadic, which Swift cannot call, hence this shim.
/// Returns SQLite's result code.
int meghna_sqlite_enable_qpsg(void *db);

#endif
