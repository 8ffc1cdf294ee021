#define _GNU_SOURCE
#include "cshim_libpq.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

// libpq's PGnotify, whose layout is part of its ABI (libpq-fe.h).
typedef struct {
    char *relname;
    int be_pid;
    char *extra;
    void *next;
} pgnotify;

static struct {
    int (*libVersion)(void);
    void *(*connectStart)(const char *);
    int (*connectPoll)(void *);
    int (*status)(const void *);
    char *(*errorMessage)(const void *);
    int (*socket)(const void *);
    int (*setnonblocking)(void *, int);
    void (*finish)(void *);
    int (*serverVersion)(const void *);
    int (*sendQueryParams)(void *, const char *, int, const unsigned int *, const char *const *, const int *, const int *, int);
    int (*sendQuery)(void *, const char *);
    int (*flush)(void *);
    int (*consumeInput)(void *);
    int (*isBusy)(void *);
    void *(*getResult)(void *);
    int (*enterPipelineMode)(void *);
    int (*exitPipelineMode)(void *);
    int (*pipelineSync)(void *);
    int (*resultStatus)(const void *);
    char *(*resultErrorMessage)(const void *);
    char *(*resultErrorField)(const void *, int);
    int (*ntuples)(const void *);
    int (*nfields)(const void *);
    char *(*getvalue)(const void *, int, int);
    int (*getlength)(const void *, int, int);
    int (*getisnull)(const void *, int, int);
    void (*clear)(void *);
    pgnotify *(*notifies)(void *);
    void (*freemem)(void *);
    void *(*setNoticeProcessor)(void *, void (*)(void *, const char *), void *);
} pq;

static pthread_mutex_t load_lock = PTHREAD_MUTEX_INITIALIZER;
static int load_state; // 0: not tried, 1: loaded, -1: failed
static char load_error[512];

int cshim_pq_load(const char *path, char *error, size_t error_size) {
    pthread_mutex_lock(&load_lock);
    if (load_state == 0) {
        const char *name = path ? path : "libpq.so.5";
        void *library = dlopen(name, RTLD_NOW | RTLD_LOCAL);
        if (!library) {
            snprintf(load_error, sizeof load_error, "%s", dlerror());
            load_state = -1;
        } else {
            load_state = 1;
#define RESOLVE(field, symbol) \
            if (load_state == 1 && !(*(void **)&pq.field = dlsym(library, symbol))) { \
                snprintf(load_error, sizeof load_error, "%s has no %s (libpq 14 or later is needed)", name, symbol); \
                load_state = -1; \
            }
            RESOLVE(libVersion, "PQlibVersion")
            RESOLVE(connectStart, "PQconnectStart")
            RESOLVE(connectPoll, "PQconnectPoll")
            RESOLVE(status, "PQstatus")
            RESOLVE(errorMessage, "PQerrorMessage")
            RESOLVE(socket, "PQsocket")
            RESOLVE(setnonblocking, "PQsetnonblocking")
            RESOLVE(finish, "PQfinish")
            RESOLVE(serverVersion, "PQserverVersion")
            RESOLVE(sendQueryParams, "PQsendQueryParams")
            RESOLVE(sendQuery, "PQsendQuery")
            RESOLVE(flush, "PQflush")
            RESOLVE(consumeInput, "PQconsumeInput")
            RESOLVE(isBusy, "PQisBusy")
            RESOLVE(getResult, "PQgetResult")
            RESOLVE(enterPipelineMode, "PQenterPipelineMode")
            RESOLVE(exitPipelineMode, "PQexitPipelineMode")
            RESOLVE(pipelineSync, "PQpipelineSync")
            RESOLVE(resultStatus, "PQresultStatus")
            RESOLVE(resultErrorMessage, "PQresultErrorMessage")
            RESOLVE(resultErrorField, "PQresultErrorField")
            RESOLVE(ntuples, "PQntuples")
            RESOLVE(nfields, "PQnfields")
            RESOLVE(getvalue, "PQgetvalue")
            RESOLVE(getlength, "PQgetlength")
            RESOLVE(getisnull, "PQgetisnull")
            RESOLVE(clear, "PQclear")
            RESOLVE(notifies, "PQnotifies")
            RESOLVE(freemem, "PQfreemem")
            RESOLVE(setNoticeProcessor, "PQsetNoticeProcessor")
#undef RESOLVE
            if (load_state != 1) dlclose(library);
        }
    }
    int state = load_state;
    if (state != 1 && error && error_size > 0) snprintf(error, error_size, "%s", load_error);
    pthread_mutex_unlock(&load_lock);
    return state == 1 ? 0 : -1;
}

int cshim_pq_lib_version(void) { return pq.libVersion(); }
// The server's notices and warnings (e.g. "terminating connection due to immediate shutdown")
// would go to stderr, unasked and unprefixed: the service reports what they mean itself.
static void quiet_notices(void *arg, const char *message) { (void)arg; (void)message; }

cshim_pgconn *cshim_pq_connect_start(const char *conninfo) {
    void *conn = pq.connectStart(conninfo);
    if (conn) pq.setNoticeProcessor(conn, quiet_notices, NULL);
    return conn;
}
int cshim_pq_connect_poll(cshim_pgconn *conn) { return pq.connectPoll(conn); }
int cshim_pq_status(const cshim_pgconn *conn) { return pq.status(conn); }
const char *cshim_pq_error_message(const cshim_pgconn *conn) { return pq.errorMessage(conn); }
int cshim_pq_socket(const cshim_pgconn *conn) { return pq.socket(conn); }
int cshim_pq_set_nonblocking(cshim_pgconn *conn, int on) { return pq.setnonblocking(conn, on); }
void cshim_pq_finish(cshim_pgconn *conn) { pq.finish(conn); }
int cshim_pq_server_version(const cshim_pgconn *conn) { return pq.serverVersion(conn); }

int cshim_pq_send_query_params(cshim_pgconn *conn, const char *command, int count, const char *const *values) {
    return pq.sendQueryParams(conn, command, count, NULL, values, NULL, NULL, 0);
}

int cshim_pq_send_query(cshim_pgconn *conn, const char *command) { return pq.sendQuery(conn, command); }
int cshim_pq_flush(cshim_pgconn *conn) { return pq.flush(conn); }
int cshim_pq_consume_input(cshim_pgconn *conn) { return pq.consumeInput(conn); }
int cshim_pq_is_busy(cshim_pgconn *conn) { return pq.isBusy(conn); }
cshim_pgresult *cshim_pq_get_result(cshim_pgconn *conn) { return pq.getResult(conn); }
int cshim_pq_enter_pipeline_mode(cshim_pgconn *conn) { return pq.enterPipelineMode(conn); }
int cshim_pq_exit_pipeline_mode(cshim_pgconn *conn) { return pq.exitPipelineMode(conn); }
int cshim_pq_pipeline_sync(cshim_pgconn *conn) { return pq.pipelineSync(conn); }
int cshim_pq_result_status(const cshim_pgresult *result) { return pq.resultStatus(result); }
const char *cshim_pq_result_error_message(const cshim_pgresult *result) { return pq.resultErrorMessage(result); }
const char *cshim_pq_result_sqlstate(const cshim_pgresult *result) { return pq.resultErrorField(result, CSHIM_PG_DIAG_SQLSTATE); }
int cshim_pq_ntuples(const cshim_pgresult *result) { return pq.ntuples(result); }
int cshim_pq_nfields(const cshim_pgresult *result) { return pq.nfields(result); }
const char *cshim_pq_get_value(const cshim_pgresult *result, int row, int column) { return pq.getvalue(result, row, column); }
int cshim_pq_get_length(const cshim_pgresult *result, int row, int column) { return pq.getlength(result, row, column); }
int cshim_pq_get_is_null(const cshim_pgresult *result, int row, int column) { return pq.getisnull(result, row, column); }
void cshim_pq_clear(cshim_pgresult *result) { pq.clear(result); }

int cshim_pq_next_notification(cshim_pgconn *conn, char *channel, size_t channel_size, int *sender) {
    pgnotify *notification = pq.notifies(conn);
    if (!notification) return 0;
    snprintf(channel, channel_size, "%s", notification->relname);
    *sender = notification->be_pid;
    pq.freemem(notification);
    return 1;
}
