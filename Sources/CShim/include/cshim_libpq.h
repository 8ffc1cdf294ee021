#ifndef CSHIM_LIBPQ_H
#define CSHIM_LIBPQ_H

#include <stddef.h>

// libpq, the PostgreSQL client library, loaded at run time with dlopen: the embedded store
// never needs it, and building needs no PostgreSQL headers. Only the calls cluster mode uses,
// declared here with libpq's own names prefixed, over opaque pointers; the enum values are
// libpq's (libpq-fe.h, stable since PostgreSQL 7.4, pipeline mode since 14).

typedef struct cshim_pgconn cshim_pgconn;
typedef struct cshim_pgresult cshim_pgresult;

enum {
    CSHIM_PGRES_POLLING_FAILED = 0,
    CSHIM_PGRES_POLLING_READING = 1,
    CSHIM_PGRES_POLLING_WRITING = 2,
    CSHIM_PGRES_POLLING_OK = 3,
    CSHIM_CONNECTION_OK = 0,
    CSHIM_CONNECTION_BAD = 1,
    CSHIM_PGRES_EMPTY_QUERY = 0,
    CSHIM_PGRES_COMMAND_OK = 1,
    CSHIM_PGRES_TUPLES_OK = 2,
    CSHIM_PGRES_FATAL_ERROR = 7,
    CSHIM_PGRES_PIPELINE_SYNC = 10,
    CSHIM_PGRES_PIPELINE_ABORTED = 11,
    CSHIM_PG_DIAG_SQLSTATE = 'C',
};

/// Loads `path` (NULL: "libpq.so.5") once and resolves every call below. 0 on success; else
/// -1 with a message in `error`. Later calls return the first call's outcome.
int cshim_pq_load(const char *path, char *error, size_t error_size);

/// libpq's version number (e.g. 150018), once loaded.
int cshim_pq_lib_version(void);

cshim_pgconn *cshim_pq_connect_start(const char *conninfo);
int cshim_pq_connect_poll(cshim_pgconn *conn);
int cshim_pq_status(const cshim_pgconn *conn);
const char *cshim_pq_error_message(const cshim_pgconn *conn);
int cshim_pq_socket(const cshim_pgconn *conn);
int cshim_pq_set_nonblocking(cshim_pgconn *conn, int on);
void cshim_pq_finish(cshim_pgconn *conn);
int cshim_pq_server_version(const cshim_pgconn *conn);

/// PQsendQueryParams with every parameter as text (NULL: SQL null) and text results.
int cshim_pq_send_query_params(cshim_pgconn *conn, const char *command, int count, const char *const *values);
/// PQsendQuery: one or more statements, no parameters (the simple protocol).
int cshim_pq_send_query(cshim_pgconn *conn, const char *command);
int cshim_pq_flush(cshim_pgconn *conn);
int cshim_pq_consume_input(cshim_pgconn *conn);
int cshim_pq_is_busy(cshim_pgconn *conn);
cshim_pgresult *cshim_pq_get_result(cshim_pgconn *conn);

int cshim_pq_enter_pipeline_mode(cshim_pgconn *conn);
int cshim_pq_exit_pipeline_mode(cshim_pgconn *conn);
int cshim_pq_pipeline_sync(cshim_pgconn *conn);

int cshim_pq_result_status(const cshim_pgresult *result);
const char *cshim_pq_result_error_message(const cshim_pgresult *result);
/// The SQLSTATE of an error result, or NULL.
const char *cshim_pq_result_sqlstate(const cshim_pgresult *result);
int cshim_pq_ntuples(const cshim_pgresult *result);
int cshim_pq_nfields(const cshim_pgresult *result);
const char *cshim_pq_get_value(const cshim_pgresult *result, int row, int column);
int cshim_pq_get_length(const cshim_pgresult *result, int row, int column);
int cshim_pq_get_is_null(const cshim_pgresult *result, int row, int column);
void cshim_pq_clear(cshim_pgresult *result);

/// The channel of the next pending notification (copied into `channel`) and the server
/// process that sent it (`sender`), 1 if there was one, 0 if none; its payload is dropped:
/// notifications are only a wake-up here.
int cshim_pq_next_notification(cshim_pgconn *conn, char *channel, size_t channel_size, int *sender);

#endif
