#ifndef CSHIM_H
#define CSHIM_H

#include <stdint.h>
#include <sys/types.h>

/// Spawns `path` (absolute) in a new process group of its own, with default signal
/// dispositions and an empty signal mask (the service ignores SIGPIPE; its children must not
/// inherit that). fds 0, 1, 2 become `in_fd`, `out_fd`, `err_fd` (-1: /dev/null); every other
/// descriptor is closed in the child, so concurrent spawns never inherit each other's pipes.
/// `cwd` may be NULL. The child gets SIGKILL when the calling thread ends (PR_SET_PDEATHSIG):
/// call it from a thread that lives as long as the child. Returns 0 and sets `*pid`, or an
/// errno value (the child's, when exec failed: it is reaped before this returns).
int cshim_spawn(const char *path, char *const argv[], char *const envp[], const char *cwd,
                int in_fd, int out_fd, int err_fd, pid_t *pid);

/// pidfd_open(2): a descriptor that becomes readable when the process exits. -1 and errno on failure.
int cshim_pidfd_open(pid_t pid);

/// pipe2(2) with O_CLOEXEC: both ends close-on-exec from the start.
int cshim_pipe_cloexec(int fds[2]);

/// A POSIX write lock on the whole file (fcntl F_SETLK). Unlike flock(2), it belongs to the
/// process and is never inherited by a child, not even between fork and exec. 0 or an errno value.
int cshim_try_lock(int fd);

// MARK: Sockets and readiness (not exported by Glibc's Swift module).

enum {
    CSHIM_EPOLLIN = 0x001,
    CSHIM_EPOLLOUT = 0x004,
    CSHIM_EPOLLERR = 0x008,
    CSHIM_EPOLLHUP = 0x010,
    CSHIM_EPOLLRDHUP = 0x2000,
};

/// epoll_create1(EPOLL_CLOEXEC). -1 and errno on failure.
int cshim_epoll_create(void);

/// Adds a lasting interest `events` of `fd`, level- or edge-triggered (EPOLLET: reported once
/// per change, e.g. each arrival of data, until read); the event carries `fd` back. 0, or -1
/// and errno.
int cshim_epoll_watch(int epfd, int fd, uint32_t events, int edge_triggered);

/// Removes `fd` from the interest list. 0, or -1 and errno.
int cshim_epoll_remove(int epfd, int fd);

/// epoll_wait into parallel arrays of descriptors and event masks. The count, or -1 and errno.
int cshim_epoll_wait(int epfd, int *fds, uint32_t *events, int max, int timeout_ms);

/// eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK): a counter another thread writes to wake epoll_wait.
int cshim_eventfd(void);

/// accept4(2) with SOCK_NONBLOCK | SOCK_CLOEXEC. The new descriptor, or -1 and errno.
int cshim_accept(int fd);

/// Fills `count` bytes from the kernel's CSPRNG (getrandom(2), retried on EINTR and short
/// reads). 0, or -1 and errno.
int cshim_getrandom(void *buffer, size_t count);

#include "cshim_libpq.h"

#endif
