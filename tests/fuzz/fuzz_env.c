/*
 * fuzz_env.c - the GORT_* environment variables the runtime reads at start
 * (runtime/sched/settings.c; GORT_DEBUG's list in
 * runtime/debug/debugvars.c): GORT_DEBUG, GORT_MAXPROCS, GORT_STACK_SIZE,
 * GORT_NETPOLL: never a crash, undefined behaviour or out-of-bounds read
 * on any value.
 *
 * The first byte picks the variable, the rest (up to the first NUL, at
 * most 256 bytes) is its value. GORT_DEBUG is also parsed in this process
 * (gort__debug_parse runs again; coverage guides the fuzzer there). Then,
 * for every variable, a child process starts the real runtime with the
 * value (gort_main; its main goroutine starts a goroutine and talks to it
 * over a channel) and must exit 0, or 2 with a message naming the
 * variable (Go's way to refuse a bad setting; for GORT_DEBUG, whose fault
 * injection settings end a run on purpose, any Go fatal error). Anything else
 * (a signal, a sanitizer's report, another status, a hang of 20 s) is a
 * finding, with the child's stderr shown.
 *
 * Invariants: one child at a time; gort__debug is as at start whenever a
 * child is forked. Locking: none.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "debug/debugvars.h"
#include "gort.h"

static const char *const vars[] = {"GORT_DEBUG", "GORT_MAXPROCS",
                                   "GORT_STACK_SIZE", "GORT_NETPOLL"};

static void echo(void *arg) {
  gort_chan *c = arg;
  int v;
  while (gort_chan_recv(c, &v))
    gort_chan_send(c, &v);
}

static int child_main(int argc, char **argv) {
  (void)argc;
  (void)argv;
  gort_chan *c = gort_chan_make(sizeof(int), 0);
  gort_go(echo, c);
  for (int i = 0; i < 10; i++) {
    int v = i;
    gort_chan_send(c, &v);
    if (!gort_chan_recv(c, &v) || v != i)
      return 3;
  }
  return 0;
}

static int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0)
    return 0;
  const char *name = vars[data[0] % 4];
  char value[257];
  size_t n = size - 1 < 256 ? size - 1 : 256;
  memcpy(value, data + 1, n);
  value[n] = 0;

  bool debug = strcmp(name, "GORT_DEBUG") == 0;
  if (debug) {
    /* Put the settings back after: the children inherit them. */
    struct gort_debugvars before = gort__debug;
    gort__debug_parse(value);
    gort__debug = before;
  }

  int pipefd[2];
  if (pipe(pipefd) != 0)
    abort();
  fflush(NULL);
  pid_t pid = fork();
  if (pid < 0)
    abort();
  if (pid == 0) {
    dup2(pipefd[1], 2);
    close(pipefd[0]);
    close(pipefd[1]);
    int devnull = open("/dev/null", O_WRONLY);
    if (devnull >= 0)
      dup2(devnull, 1);
    setenv(name, value, 1);
    gort_main(child_main, 0, NULL);
  }
  close(pipefd[1]);
  static char err[65536];
  size_t errlen = 0;
  int64_t deadline = now_ms() + 20000;
  bool hung = false;
  for (;;) {
    struct pollfd pfd = {pipefd[0], POLLIN, 0};
    int64_t left = deadline - now_ms();
    if (left <= 0) {
      hung = true;
      kill(pid, SIGKILL);
      break;
    }
    int r = poll(&pfd, 1, (int)left);
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0)
      continue;
    char buf[4096];
    ssize_t got = read(pipefd[0], buf, sizeof buf);
    if (got < 0 && errno == EINTR)
      continue;
    if (got <= 0)
      break;
    size_t take = (size_t)got < sizeof err - 1 - errlen
                      ? (size_t)got
                      : sizeof err - 1 - errlen;
    memcpy(err + errlen, buf, take);
    errlen += take;
  }
  close(pipefd[0]);
  err[errlen] = 0;
  int status;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
    ;
  /* GORT_DEBUG may also turn on fault injection (failstackalloc=1...),
   * which ends the program with Go's fatal error on purpose. */
  bool named = strstr(err, name) != NULL ||
               (debug && strstr(err, "fatal error: ") != NULL);
  bool ok = !hung && WIFEXITED(status) &&
            (WEXITSTATUS(status) == 0 || (WEXITSTATUS(status) == 2 && named));
  if (!ok) {
    fprintf(stderr, "\nfuzz_env: %s=\"%s\": ", name, value);
    if (hung)
      fprintf(stderr, "no exit within 20 s\n");
    else if (WIFSIGNALED(status))
      fprintf(stderr, "killed by signal %d\n", WTERMSIG(status));
    else
      fprintf(stderr, "exit status %d%s\n", WEXITSTATUS(status),
              WEXITSTATUS(status) == 2 ? " without naming the variable" : "");
    fprintf(stderr, "--- the child's stderr ---\n%s--- end ---\n", err);
    abort();
  }
  return 0;
}
