#define _GNU_SOURCE
#include "cshim.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <pthread.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

/// The child's side of cshim_spawn, between vfork and exec: system calls only (it runs on
/// the parent's stack and memory). Returns only on failure, with the errno value.
static int become_child(const char *path, char *const argv[], char *const envp[], const char *cwd,
                        const int fds[3], int report_fd, pid_t parent) {
    // Default dispositions first: until then a signal would run the parent's handler here.
    struct sigaction standard;
    memset(&standard, 0, sizeof standard);
    standard.sa_handler = SIG_DFL;
    for (int signal = 1; signal < NSIG; signal++) {
        if (signal != SIGKILL && signal != SIGSTOP) sigaction(signal, &standard, NULL);
    }
    if (setpgid(0, 0) != 0) return errno;
    // Dies with the thread that spawned it (the child's own pump thread, which lives until the
    // child is reaped), so a server killed with SIGKILL leaves no child running.
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) return errno;
    if (getppid() != parent) return ESRCH; // the parent died before the line above
    int moved[3];
    const int modes[3] = { O_RDONLY, O_WRONLY, O_WRONLY };
    for (int i = 0; i < 3; i++) {
        int fd = fds[i] >= 0 ? fds[i] : open("/dev/null", modes[i]);
        if (fd < 0) return errno;
        // Above 2 first, so that no source is overwritten by an earlier dup2.
        if ((moved[i] = fcntl(fd, F_DUPFD, 3)) < 0) return errno;
    }
    for (int i = 0; i < 3; i++) {
        if (dup2(moved[i], i) < 0) return errno;
    }
    // Everything above 2 goes but the report pipe, which exec itself closes (O_CLOEXEC).
    int keep = report_fd;
    if (keep > 3 && syscall(SYS_close_range, 3, keep - 1, 0) != 0) {
        for (int fd = 3; fd < keep; fd++) close(fd);
    }
    if (syscall(SYS_close_range, keep + 1, ~0U, 0) != 0) {
        for (int fd = keep + 1; fd < 65536; fd++) close(fd);
    }
    if (cwd != NULL && chdir(cwd) != 0) return errno;
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    execve(path, argv, envp);
    return errno;
}

int cshim_spawn(const char *path, char *const argv[], char *const envp[], const char *cwd,
                int in_fd, int out_fd, int err_fd, pid_t *pid) {
    const int fds[3] = { in_fd, out_fd, err_fd };
    // The child reports a failure before exec through this pipe; a successful exec closes it
    // (O_CLOEXEC), so the parent reads end of file. Unlike a variable shared through vfork,
    // this also holds where vfork is a fork (ThreadSanitizer makes it one).
    int report[2];
    if (pipe2(report, O_CLOEXEC) != 0) return errno;
    for (int i = 0; i < 2; i++) {
        // Above 2, where the child's dup2 of its standard streams cannot overwrite it.
        if (report[i] > 2) continue;
        int moved = fcntl(report[i], F_DUPFD_CLOEXEC, 3);
        close(report[i]);
        if (moved < 0) {
            int code = errno;
            close(report[1 - i]);
            return code;
        }
        report[i] = moved;
    }
    sigset_t all, previous;
    sigfillset(&all);
    // Blocked across vfork, so that no handler of ours runs in the child before it resets them.
    pthread_sigmask(SIG_SETMASK, &all, &previous);
    pid_t parent = getpid();
    pid_t child = vfork();
    if (child == 0) {
        int failure = become_child(path, argv, envp, cwd, fds, report[1], parent);
        while (write(report[1], &failure, sizeof failure) < 0 && errno == EINTR) {}
        _exit(127);
    }
    int result = child < 0 ? errno : 0;
    pthread_sigmask(SIG_SETMASK, &previous, NULL);
    close(report[1]);
    if (child > 0) {
        int failure = 0;
        ssize_t n;
        while ((n = read(report[0], &failure, sizeof failure)) < 0 && errno == EINTR) {}
        if (n == (ssize_t)sizeof failure) {
            result = failure;
            int status;
            while (waitpid(child, &status, 0) < 0 && errno == EINTR) {}
        }
    }
    close(report[0]);
    if (result == 0) *pid = child;
    return result;
}

int cshim_pidfd_open(pid_t pid) {
    return (int)syscall(SYS_pidfd_open, pid, 0);
}

int cshim_pipe_cloexec(int fds[2]) {
    return pipe2(fds, O_CLOEXEC);
}

int cshim_try_lock(int fd) {
    struct flock lock = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0 };
    return fcntl(fd, F_SETLK, &lock) == 0 ? 0 : errno;
}

int cshim_epoll_create(void) {
    return epoll_create1(EPOLL_CLOEXEC);
}

int cshim_epoll_watch(int epfd, int fd, uint32_t events, int edge_triggered) {
    struct epoll_event event = { .events = events | (edge_triggered ? EPOLLET : 0), .data = { .fd = fd } };
    return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &event);
}

int cshim_epoll_remove(int epfd, int fd) {
    struct epoll_event unused = { 0 };
    return epoll_ctl(epfd, EPOLL_CTL_DEL, fd, &unused);
}

int cshim_epoll_wait(int epfd, int *fds, uint32_t *events, int max, int timeout_ms) {
    struct epoll_event ready[256];
    if (max > 256) max = 256;
    int count = epoll_wait(epfd, ready, max, timeout_ms);
    for (int i = 0; i < count; i++) {
        fds[i] = ready[i].data.fd;
        events[i] = ready[i].events;
    }
    return count;
}

int cshim_eventfd(void) {
    return eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
}

int cshim_accept(int fd) {
    return accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
}

int cshim_getrandom(void *buffer, size_t count) {
    size_t filled = 0;
    while (filled < count) {
        ssize_t got = getrandom((char *)buffer + filled, count - filled, 0);
        if (got < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        filled += (size_t)got;
    }
    return 0;
}
