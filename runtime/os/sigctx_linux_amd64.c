/*
 * sigctx_linux_amd64.c - sigctx.h for Linux on x86-64.
 *
 * The kernel's signal frame holds the general registers in
 * uc_mcontext.gregs and the FPU/SSE/AVX state as an XSAVE image that
 * uc_mcontext.fpregs points to; its true size is in the "software
 * reserved" bytes of the legacy area (struct _fpx_sw_bytes, magic
 * FP_XSTATE_MAGIC1), else it is the plain 512-byte FXSAVE image.
 *
 * Saved layout: [ucontext_t][fp image], fp image at a 64-byte boundary.
 * Invariants: every thread of a process has the same XSAVE layout, so an
 * image saved on one thread restores on another.
 */
#include <string.h>
#include <ucontext.h>

#include "os/sigctx.h"

enum { FXSAVE_SIZE = 512, SW_BYTES_OFFSET = 464 };
static const uint32_t FP_XSTATE_MAGIC1 = 0x46505853u;

const size_t gort__sigctx_redzone = 128;

uintptr_t gort__sigctx_pc(void *uc) {
  return (uintptr_t)((ucontext_t *)uc)->uc_mcontext.gregs[REG_RIP];
}

uintptr_t gort__sigctx_sp(void *uc) {
  return (uintptr_t)((ucontext_t *)uc)->uc_mcontext.gregs[REG_RSP];
}

static size_t fp_size(const ucontext_t *u) {
  const char *fp = (const char *)u->uc_mcontext.fpregs;
  if (fp == NULL)
    return 0;
  uint32_t sw[2];
  memcpy(sw, fp + SW_BYTES_OFFSET, sizeof sw);
  return sw[0] == FP_XSTATE_MAGIC1 ? sw[1] : FXSAVE_SIZE;
}

static size_t fp_offset(void) {
  return (sizeof(ucontext_t) + 63) & ~(size_t)63;
}

size_t gort__sigctx_save_size(void *uc) { return fp_offset() + fp_size(uc); }

void gort__sigctx_save(void *uc, void *dst) {
  const ucontext_t *u = uc;
  memcpy(dst, u, sizeof *u);
  if (u->uc_mcontext.fpregs)
    memcpy((char *)dst + fp_offset(), u->uc_mcontext.fpregs, fp_size(u));
}

void gort__sigctx_restore(void *uc, const void *src) {
  ucontext_t *u = uc;
  const ucontext_t *s = src;
  memcpy(u->uc_mcontext.gregs, s->uc_mcontext.gregs, sizeof(gregset_t));
  if (u->uc_mcontext.fpregs && s->uc_mcontext.fpregs) {
    size_t n = fp_size(u);
    memcpy(u->uc_mcontext.fpregs, (const char *)src + fp_offset(), n);
  }
}

void gort__sigctx_redirect(void *uc, void (*fn)(void *), void *arg,
                           uintptr_t sp) {
  ucontext_t *u = uc;
  /* Enter fn as a call would: rsp = 8 mod 16, a (null) return address. */
  sp &= ~(uintptr_t)15;
  sp -= 8;
  *(uintptr_t *)sp = 0;
  u->uc_mcontext.gregs[REG_RSP] = (greg_t)sp;
  u->uc_mcontext.gregs[REG_RIP] = (greg_t)(uintptr_t)fn;
  u->uc_mcontext.gregs[REG_RDI] = (greg_t)(uintptr_t)arg;
  u->uc_mcontext.gregs[REG_RBP] = 0;
}
