/*
 * codemap_linux.c - which instructions asynchronous preemption may stop.
 *
 * Go stops a goroutine by signal only at an instruction its compiler
 * marked async-safe (runtime/preempt.go, isAsyncSafePoint): never in the
 * runtime, never where the runtime is half-way through something. gort
 * has no such tables, so it proves a pc is the program's own code from
 * where the pc lies, and answers no whenever it cannot tell:
 *
 *   - user code is the executable's `.text` (and `.text.*`) sections,
 *     read from its ELF section headers (/proc/self/exe) at start-up;
 *   - not user code: the runtime (libgort's code is renamed gort_text by
 *     the build; the linker gives its bounds), every shared library (libc,
 *     the vDSO, a sanitizer's runtime), and every other executable section
 *     the linker makes: .plt, .plt.sec and .plt.got (the stubs through
 *     which the runtime calls memcpy while it holds a channel lock: the
 *     hang of issue 10), .iplt, .init, .fini, and any section of unknown
 *     purpose;
 *   - the runtime's own callees must live outside the executable: libgort
 *     calls no static helper (tests/runtime-symbols.cmake checks the linked
 *     test binary), and at start-up a few of its callees are looked up
 *     here: if memcpy, memset, malloc or the like resolve into the
 *     program's .text (a statically linked sanitizer runtime, or the
 *     program's own memcpy), stopping there would stop the runtime, so
 *     asynchronous preemption stays off;
 *   - a statically linked executable carries libc inside .text: off too.
 *
 * Whatever is off here, cooperative preemption still works (preempt.c).
 *
 * Invariants: gort__os_codemap_init runs once, before the preemption
 * signal handler is installed; afterwards the map is read-only, so
 * gort__os_pc_in_user_code is async-signal-safe and lock-free.
 */
#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "os/os.h"

/* Bounds of the runtime's code (set by the linker for section gort_text). */
extern const char __start_gort_text[] __attribute__((weak));
extern const char __stop_gort_text[] __attribute__((weak));

enum { MAX_USER_RANGES = 16, MAX_SECTIONS = 1 << 16 };

static struct {
  uintptr_t lo[MAX_USER_RANGES], hi[MAX_USER_RANGES];
  int n;
} user_text;

static const char *off_reason = "not initialised";

bool gort__os_pc_in_user_code(uintptr_t pc) {
  if ((uintptr_t)__start_gort_text <= pc && pc < (uintptr_t)__stop_gort_text)
    return false;
  for (int i = 0; i < user_text.n; i++)
    if (user_text.lo[i] <= pc && pc < user_text.hi[i])
      return true;
  return false;
}

const char *gort__os_codemap_off_reason(void) { return off_reason; }

/* ---- the executable: its load bias, and whether it is dynamic ----------- */

struct exe_info {
  uintptr_t bias;
  bool dynamic; /* has an interpreter: libc is a shared library */
};

static int first_object(struct dl_phdr_info *info, size_t size, void *d) {
  (void)size;
  struct exe_info *e = d;
  e->bias = info->dlpi_addr;
  for (int i = 0; i < info->dlpi_phnum; i++)
    if (info->dlpi_phdr[i].p_type == PT_INTERP)
      e->dynamic = true;
  return 1; /* the first object is the executable itself */
}

/* ---- its section headers ------------------------------------------------ */

static bool read_at(int fd, void *dst, size_t n, off_t off) {
  char *p = dst;
  while (n > 0) {
    ssize_t k = pread(fd, p, n, off);
    if (k <= 0)
      return false;
    p += k;
    n -= (size_t)k;
    off += k;
  }
  return true;
}

static bool is_user_text(const char *name) {
  return strcmp(name, ".text") == 0 || strncmp(name, ".text.", 6) == 0;
}

static void add_user_range(uintptr_t lo, uintptr_t hi) {
  if (user_text.n < MAX_USER_RANGES && lo < hi) {
    user_text.lo[user_text.n] = lo;
    user_text.hi[user_text.n] = hi;
    user_text.n++;
  }
}

/* Fills user_text from the executable file's section headers. */
static bool map_sections(uintptr_t bias) {
  int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    off_reason = "cannot open /proc/self/exe";
    return false;
  }
  bool ok = false;
  ElfW(Shdr) *sh = NULL;
  char *names = NULL;
  ElfW(Ehdr) eh;
  if (!read_at(fd, &eh, sizeof eh, 0) ||
      memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 ||
      eh.e_shentsize != sizeof(ElfW(Shdr)) || eh.e_shoff == 0) {
    off_reason = "the executable has no readable section headers";
    goto out;
  }
  /* Extended numbering: counts too big for the header live in section 0. */
  ElfW(Shdr) first;
  if (!read_at(fd, &first, sizeof first, (off_t)eh.e_shoff))
    goto bad;
  size_t nsec = eh.e_shnum ? eh.e_shnum : (size_t)first.sh_size;
  size_t strndx = eh.e_shstrndx == SHN_XINDEX ? first.sh_link : eh.e_shstrndx;
  if (nsec == 0 || nsec > MAX_SECTIONS || strndx >= nsec)
    goto bad;
  sh = malloc(nsec * sizeof *sh);
  if (sh == NULL || !read_at(fd, sh, nsec * sizeof *sh, (off_t)eh.e_shoff))
    goto bad;
  size_t names_size = sh[strndx].sh_size;
  if (names_size == 0 || names_size > (1u << 24))
    goto bad;
  names = malloc(names_size + 1);
  if (names == NULL ||
      !read_at(fd, names, names_size, (off_t)sh[strndx].sh_offset))
    goto bad;
  names[names_size] = '\0';
  for (size_t i = 0; i < nsec; i++) {
    const ElfW(Shdr) *s = &sh[i];
    if ((s->sh_flags & (SHF_ALLOC | SHF_EXECINSTR)) !=
            (SHF_ALLOC | SHF_EXECINSTR) ||
        s->sh_name >= names_size)
      continue;
    if (is_user_text(names + s->sh_name))
      add_user_range(bias + s->sh_addr, bias + s->sh_addr + s->sh_size);
  }
  ok = user_text.n > 0;
  if (!ok)
    off_reason = "the executable has no .text section";
  goto out;
bad:
  off_reason = "the executable's section headers are malformed";
out:
  free(names);
  free(sh);
  close(fd);
  return ok;
}

/* ---- the runtime's callees ------------------------------------------------
 * Functions libgort calls with locks held or in the middle of a switch.
 * Each must be outside the program's own code (see the head). */

bool gort__os_codemap_init(void) {
  if (__start_gort_text == NULL || __stop_gort_text == NULL) {
    off_reason = "the runtime's code is not in its own section (gort_text)";
    return false;
  }
  struct exe_info exe = {0, false};
  dl_iterate_phdr(first_object, &exe);
  if (!exe.dynamic) {
    off_reason = "the executable is statically linked";
    return false;
  }
  if (!map_sections(exe.bias))
    return false;
  /* Functions libgort calls with locks held or in the middle of a switch:
   * each must be outside the program's own code (see the head). */
  const uintptr_t runtime_callees[] = {
      (uintptr_t)memcpy,       (uintptr_t)memmove,
      (uintptr_t)memset,       (uintptr_t)memcmp,
      (uintptr_t)malloc,       (uintptr_t)calloc,
      (uintptr_t)free,         (uintptr_t)realloc,
      (uintptr_t)strlen,       (uintptr_t)pthread_kill,
      (uintptr_t)pthread_self, (uintptr_t)clock_gettime,
      (uintptr_t)write,
  };
  for (size_t i = 0; i < sizeof runtime_callees / sizeof *runtime_callees;
       i++) {
    if (gort__os_pc_in_user_code(runtime_callees[i])) {
      off_reason = "a function the runtime calls (memcpy, malloc...) is "
                   "linked into the program's own code";
      user_text.n = 0;
      return false;
    }
  }
  off_reason = NULL;
  return true;
}
