/*
 * sigctx_linux_arm64.c - sigctx.h for Linux on AArch64.
 *
 * The signal frame's mcontext_t holds x0-x30, sp, pc and pstate, and in
 * __reserved a list of records; the FPSIMD record (FPSIMD_MAGIC) holds
 * v0-v31, FPSR and FPCR, and on SVE machines an SVE record holds the Z
 * registers, whose low 128 bits are the V registers: when it is present,
 * sigreturn restores the vectors from it, not from FPSIMD (found under
 * qemu-user, which emulates SVE). We save the whole mcontext_t and on
 * restore copy back the integer state and both vector records (when the
 * new frame has the same record with the same size: same process, same
 * vector length). When the goroutine's state had no live SVE registers but
 * the resuming thread's frame has, the V registers are written into the
 * low 128 bits of its Z registers (the rest zeroed, as an FPSIMD write
 * does), or sigreturn would load the thread's stale Z values. When it is
 * the other way round, the V registers come back but the upper bits of the
 * Z registers of SVE code are lost: a known limit. Other records (ESR,
 * TPIDR2...) describe the thread or the fault, not the goroutine, and are
 * left alone.
 *
 * Linux AArch64 has no red zone.
 */
#include <stdbool.h>
#include <string.h>
#include <ucontext.h>

#include "os/sigctx.h"

enum { FPSIMD_MAGIC_VALUE = 0x46508001, SVE_MAGIC_VALUE = 0x53564501 };

const size_t gort__sigctx_redzone = 0;

struct record {
  uint32_t magic, size;
};

uintptr_t gort__sigctx_pc(void *uc) {
  return (uintptr_t)((ucontext_t *)uc)->uc_mcontext.pc;
}

uintptr_t gort__sigctx_sp(void *uc) {
  return (uintptr_t)((ucontext_t *)uc)->uc_mcontext.sp;
}

size_t gort__sigctx_save_size(void *uc) {
  (void)uc;
  return sizeof(mcontext_t);
}

void gort__sigctx_save(void *uc, void *dst) {
  memcpy(dst, &((ucontext_t *)uc)->uc_mcontext, sizeof(mcontext_t));
}

static struct record *find_record(void *reserved, size_t len, uint32_t magic) {
  size_t off = 0;
  while (off + sizeof(struct record) <= len) {
    struct record *r = (struct record *)((char *)reserved + off);
    if (r->magic == 0 || r->size == 0)
      return NULL;
    if (r->magic == magic)
      return r;
    off += r->size;
  }
  return NULL;
}

static bool copy_record(mcontext_t *to, mcontext_t *from, uint32_t magic) {
  struct record *t = find_record(to->__reserved, sizeof to->__reserved, magic);
  struct record *f =
      find_record(from->__reserved, sizeof from->__reserved, magic);
  if (t && f && t->size == f->size) {
    memcpy(t, f, f->size);
    return true;
  }
  return false;
}

/* Layout of the records (Linux uapi asm/sigcontext.h). */
enum {
  FPSIMD_VREGS_OFFSET = 16, /* head, fpsr, fpcr */
  SVE_HEADER_SIZE = 16,     /* head, vl, flags, reserved */
};

/* The frame's SVE record holds live registers: overwrite them with the
 * FPSIMD values (V in the low 128 bits of Z, everything else zero). */
static void sve_from_fpsimd(mcontext_t *m) {
  struct record *sve =
      find_record(m->__reserved, sizeof m->__reserved, SVE_MAGIC_VALUE);
  struct record *fp =
      find_record(m->__reserved, sizeof m->__reserved, FPSIMD_MAGIC_VALUE);
  if (sve == NULL || fp == NULL || sve->size <= SVE_HEADER_SIZE)
    return;
  uint16_t vl;
  memcpy(&vl, (char *)sve + 8, sizeof vl);
  size_t zsize = vl; /* bytes per Z register */
  if (zsize < 16 || SVE_HEADER_SIZE + 32 * zsize > sve->size)
    return;
  char *data = (char *)sve + SVE_HEADER_SIZE;
  memset(data, 0, sve->size - SVE_HEADER_SIZE);
  for (int n = 0; n < 32; n++)
    memcpy(data + (size_t)n * zsize, (char *)fp + FPSIMD_VREGS_OFFSET + n * 16,
           16);
}

void gort__sigctx_restore(void *uc, const void *src) {
  mcontext_t *m = &((ucontext_t *)uc)->uc_mcontext;
  mcontext_t saved;
  memcpy(&saved, src, sizeof saved);
  memcpy(m->regs, saved.regs, sizeof m->regs);
  m->sp = saved.sp;
  m->pc = saved.pc;
  m->pstate = saved.pstate;
  copy_record(m, &saved, FPSIMD_MAGIC_VALUE);
  if (!copy_record(m, &saved, SVE_MAGIC_VALUE))
    sve_from_fpsimd(m);
}

void gort__sigctx_redirect(void *uc, void (*fn)(void *), void *arg,
                           uintptr_t sp) {
  mcontext_t *m = &((ucontext_t *)uc)->uc_mcontext;
  m->sp = sp & ~(uintptr_t)15;
  m->pc = (uintptr_t)fn;
  m->regs[0] = (uintptr_t)arg;
  m->regs[29] = 0;
  m->regs[30] = 0;
}
