/*
 * sigctx_linux_arm64.c - sigctx.h for Linux on AArch64.
 *
 * The signal frame's mcontext_t holds x0-x30, sp, pc and pstate, and in
 * __reserved a list of records; the FPSIMD record (FPSIMD_MAGIC) holds
 * v0-v31, FPSR and FPCR. We save the whole mcontext_t and on restore copy
 * the integer state and the FPSIMD record back. The upper bits of SVE
 * vectors beyond 128 are not preserved (SVE state is not live across a
 * call in the AAPCS64 either).
 *
 * Linux AArch64 has no red zone.
 */
#include <string.h>
#include <ucontext.h>

#include "sigctx.h"

enum { FPSIMD_MAGIC_VALUE = 0x46508001 };

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

static struct record *find_fpsimd(void *reserved, size_t len) {
  size_t off = 0;
  while (off + sizeof(struct record) <= len) {
    struct record *r = (struct record *)((char *)reserved + off);
    if (r->magic == 0 || r->size == 0)
      return NULL;
    if (r->magic == FPSIMD_MAGIC_VALUE)
      return r;
    off += r->size;
  }
  return NULL;
}

void gort__sigctx_restore(void *uc, const void *src) {
  mcontext_t *m = &((ucontext_t *)uc)->uc_mcontext;
  mcontext_t saved;
  memcpy(&saved, src, sizeof saved);
  memcpy(m->regs, saved.regs, sizeof m->regs);
  m->sp = saved.sp;
  m->pc = saved.pc;
  m->pstate = saved.pstate;
  struct record *to = find_fpsimd(m->__reserved, sizeof m->__reserved);
  struct record *from = find_fpsimd(saved.__reserved, sizeof saved.__reserved);
  if (to && from && to->size == from->size)
    memcpy(to, from, from->size);
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
