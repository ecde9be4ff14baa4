/*
 * Test-vector generator for arch/common/softfloat.ts, using the host x86-64 SSE unit and glibc
 * as the oracle (IEEE 754, tininess detected after rounding).
 * Build and run with scripts/gen-softfloat-vectors.sh; output goes to stdout.
 *
 * Format (text):
 *   # comment
 *   @<op> <argkinds> <resultkind>            starts a section
 *   <arg1> [<arg2> [<arg3>]] <r0>:<f0> <r1>:<f1> <r2>:<f2> <r3>:<f3>
 * Arguments and results are hex bit patterns (d: binary64, s: binary32, h: binary16,
 * l: int64, L: uint64, i: int32, I: uint32); rK:fK is the result and flags for rounding mode
 * K in RISC-V frm order (0 RNE, 1 RTZ, 2 RDN, 3 RUP); flags are hex in RISC-V fflags layout
 * (NX=1 UF=2 OF=4 DZ=8 NV=16). RMM has no x86 equivalent and is not generated.
 * x86 raises no invalid flag for fma(inf, 0, qNaN); RISC-V and Arm do (the test knows).
 *
 * Float-to-integer results follow the RISC-V convention (saturate by sign, NaN -> max positive,
 * NV only); in-range results and their NX flag come from CVTSD2SI/CVTSS2SI under MXCSR
 * rounding, out-of-range detection from nearbyint().
 */
#include <fenv.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <immintrin.h>

static const int MODES[4] = { FE_TONEAREST, FE_TOWARDZERO, FE_DOWNWARD, FE_UPWARD };

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static int scale = 1;
static uint64_t rnd(void) {
  rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;
  return rng;
}
static uint64_t rndn(uint64_t n) { return rnd() % n; }

static double d_of(uint64_t b) { double d; memcpy(&d, &b, 8); return d; }
static uint64_t b_of_d(double d) { uint64_t b; memcpy(&b, &d, 8); return b; }
static float s_of(uint64_t b) { uint32_t u = (uint32_t)b; float f; memcpy(&f, &u, 4); return f; }
static uint64_t b_of_s(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }

static int flags_now(void) {
  int e = fetestexcept(FE_ALL_EXCEPT), f = 0;
  if (e & FE_INEXACT) f |= 1;
  if (e & FE_UNDERFLOW) f |= 2;
  if (e & FE_OVERFLOW) f |= 4;
  if (e & FE_DIVBYZERO) f |= 8;
  if (e & FE_INVALID) f |= 16;
  return f;
}

typedef uint64_t (*opfn)(uint64_t, uint64_t, uint64_t);
static volatile double vd1, vd2, vd3, vdr;
static volatile float vs1, vs2, vs3, vsr;

static uint64_t f64_add(uint64_t a, uint64_t b, uint64_t c) { (void)c; vd1 = d_of(a); vd2 = d_of(b); vdr = vd1 + vd2; return b_of_d(vdr); }
static uint64_t f64_sub(uint64_t a, uint64_t b, uint64_t c) { (void)c; vd1 = d_of(a); vd2 = d_of(b); vdr = vd1 - vd2; return b_of_d(vdr); }
static uint64_t f64_mul(uint64_t a, uint64_t b, uint64_t c) { (void)c; vd1 = d_of(a); vd2 = d_of(b); vdr = vd1 * vd2; return b_of_d(vdr); }
static uint64_t f64_div(uint64_t a, uint64_t b, uint64_t c) { (void)c; vd1 = d_of(a); vd2 = d_of(b); vdr = vd1 / vd2; return b_of_d(vdr); }
static uint64_t f64_sqrt(uint64_t a, uint64_t b, uint64_t c) { (void)b; (void)c; vd1 = d_of(a); vdr = sqrt(vd1); return b_of_d(vdr); }
static uint64_t f64_fma(uint64_t a, uint64_t b, uint64_t c) { vd1 = d_of(a); vd2 = d_of(b); vd3 = d_of(c); vdr = fma(vd1, vd2, vd3); return b_of_d(vdr); }
static uint64_t f32_add(uint64_t a, uint64_t b, uint64_t c) { (void)c; vs1 = s_of(a); vs2 = s_of(b); vsr = vs1 + vs2; return b_of_s(vsr); }
static uint64_t f32_sub(uint64_t a, uint64_t b, uint64_t c) { (void)c; vs1 = s_of(a); vs2 = s_of(b); vsr = vs1 - vs2; return b_of_s(vsr); }
static uint64_t f32_mul(uint64_t a, uint64_t b, uint64_t c) { (void)c; vs1 = s_of(a); vs2 = s_of(b); vsr = vs1 * vs2; return b_of_s(vsr); }
static uint64_t f32_div(uint64_t a, uint64_t b, uint64_t c) { (void)c; vs1 = s_of(a); vs2 = s_of(b); vsr = vs1 / vs2; return b_of_s(vsr); }
static uint64_t f32_sqrt(uint64_t a, uint64_t b, uint64_t c) { (void)b; (void)c; vs1 = s_of(a); vsr = sqrtf(vs1); return b_of_s(vsr); }
static uint64_t f32_fma(uint64_t a, uint64_t b, uint64_t c) { vs1 = s_of(a); vs2 = s_of(b); vs3 = s_of(c); vsr = fmaf(vs1, vs2, vs3); return b_of_s(vsr); }
static uint64_t f64_to_f32(uint64_t a, uint64_t b, uint64_t c) { (void)b; (void)c; vd1 = d_of(a); vsr = (float)vd1; return b_of_s(vsr); }
static uint64_t f32_to_f16(uint64_t a, uint64_t b, uint64_t c) {
  (void)b; (void)c; vs1 = s_of(a); volatile _Float16 h = (_Float16)vs1; uint16_t u; memcpy(&u, (const void *)&h, 2); return u;
}
static uint64_t f16_to_f32(uint64_t a, uint64_t b, uint64_t c) {
  (void)b; (void)c; uint16_t u = (uint16_t)a; _Float16 h; memcpy(&h, &u, 2); volatile _Float16 vh = h; vsr = (float)vh; return b_of_s(vsr);
}
static volatile int64_t vl; static volatile uint64_t vL; static volatile int32_t vi; static volatile uint32_t vI;
static uint64_t i64_to_f64(uint64_t a, uint64_t b, uint64_t c) { (void)b; (void)c; vl = (int64_t)a; vdr = (double)vl; return b_of_d(vdr); }
static uint64_t u64_to_f64(uint64_t a, uint64_t b, uint64_t c) { (void)b; (void)c; vL = a; vdr = (double)vL; return b_of_d(vdr); }
static uint64_t i64_to_f32(uint64_t a, uint64_t b, uint64_t c) { (void)b; (void)c; vl = (int64_t)a; vsr = (float)vl; return b_of_s(vsr); }
static uint64_t u64_to_f32(uint64_t a, uint64_t b, uint64_t c) { (void)b; (void)c; vL = a; vsr = (float)vL; return b_of_s(vsr); }
static uint64_t i32_to_f32(uint64_t a, uint64_t b, uint64_t c) { (void)b; (void)c; vi = (int32_t)a; vsr = (float)vi; return b_of_s(vsr); }
static uint64_t u32_to_f32(uint64_t a, uint64_t b, uint64_t c) { (void)b; (void)c; vI = (uint32_t)a; vsr = (float)vI; return b_of_s(vsr); }
static uint64_t f64_rint(uint64_t a, uint64_t b, uint64_t c) { (void)b; (void)c; vd1 = d_of(a); vdr = rint(vd1); return b_of_d(vdr); }
static uint64_t f64_nearbyint(uint64_t a, uint64_t b, uint64_t c) { (void)b; (void)c; vd1 = d_of(a); vdr = nearbyint(vd1); return b_of_d(vdr); }
static uint64_t f32_rint(uint64_t a, uint64_t b, uint64_t c) { (void)b; (void)c; vs1 = s_of(a); vsr = rintf(vs1); return b_of_s(vsr); }
static uint64_t f32_nearbyint(uint64_t a, uint64_t b, uint64_t c) { (void)b; (void)c; vs1 = s_of(a); vsr = nearbyintf(vs1); return b_of_s(vsr); }

/*
 * Float to integer. kind: 0 int32, 1 uint32, 2 int64, 3 uint64. The value is converted in
 * double (binary32 inputs widen exactly). Flags are re-read here, so callers clear them first.
 */
static int cvt_flags;
static uint64_t to_int(double x, int kind) {
  static const double lo[4] = { -2147483648.0, 0.0, -9223372036854775808.0, 0.0 };
  static const double hi[4] = { 2147483647.0, 4294967295.0, 9223372036854775807.0, 18446744073709551615.0 };
  static const uint64_t satlo[4] = { 0x80000000ull, 0, 0x8000000000000000ull, 0 };
  static const uint64_t sathi[4] = { 0x7fffffff, 0xffffffff, 0x7fffffffffffffffull, 0xffffffffffffffffull };
  if (isnan(x)) { cvt_flags = 16; return sathi[kind]; }
  double r = nearbyint(x);
  if (r < lo[kind]) { cvt_flags = 16; return satlo[kind]; }
  if (kind == 2 ? r >= 9223372036854775808.0 : kind == 3 ? r >= 18446744073709551616.0 : r > hi[kind]) {
    cvt_flags = 16; return sathi[kind];
  }
  feclearexcept(FE_ALL_EXCEPT);
  uint64_t v;
  if (kind == 0) v = (uint64_t)(int64_t)_mm_cvtsd_si32(_mm_set_sd(x));
  else if (kind == 3 && r >= 9223372036854775808.0) v = (uint64_t)_mm_cvtsd_si64(_mm_set_sd(x - 9223372036854775808.0)) + 0x8000000000000000ull;
  else v = (uint64_t)_mm_cvtsd_si64(_mm_set_sd(x));
  cvt_flags = flags_now();
  if (kind == 1) v &= 0xffffffffull;
  if (kind == 0) v &= 0xffffffffull;
  return v;
}
static uint64_t f64_to_i32(uint64_t a, uint64_t b, uint64_t c) { (void)b; (void)c; return to_int(d_of(a), 0); }
static uint64_t f64_to_u32(uint64_t a, uint64_t b, uint64_t c) { (void)b; (void)c; return to_int(d_of(a), 1); }
static uint64_t f64_to_i64(uint64_t a, uint64_t b, uint64_t c) { (void)b; (void)c; return to_int(d_of(a), 2); }
static uint64_t f64_to_u64(uint64_t a, uint64_t b, uint64_t c) { (void)b; (void)c; return to_int(d_of(a), 3); }
static uint64_t f32_to_i32(uint64_t a, uint64_t b, uint64_t c) { (void)b; (void)c; return to_int(s_of(a), 0); }
static uint64_t f32_to_u32(uint64_t a, uint64_t b, uint64_t c) { (void)b; (void)c; return to_int(s_of(a), 1); }
static uint64_t f32_to_i64(uint64_t a, uint64_t b, uint64_t c) { (void)b; (void)c; return to_int(s_of(a), 2); }
static uint64_t f32_to_u64(uint64_t a, uint64_t b, uint64_t c) { (void)b; (void)c; return to_int(s_of(a), 3); }

/* ---------------------------------------------------------------------------------------- */
/* Operand generation */

static uint64_t mkd(int sign, int exp, uint64_t mant) { return ((uint64_t)sign << 63) | ((uint64_t)exp << 52) | (mant & 0xfffffffffffffull); }
static uint64_t mks(int sign, int exp, uint64_t mant) { return ((uint64_t)sign << 31) | ((uint64_t)exp << 23) | (mant & 0x7fffff); }

static const uint64_t EDGE_D[] = {
  0x0000000000000000ull, 0x8000000000000000ull, 0x0000000000000001ull, 0x0000000000000002ull,
  0x000fffffffffffffull, 0x0008000000000000ull, 0x0010000000000000ull, 0x0010000000000001ull,
  0x3ff0000000000000ull, 0x3ff0000000000001ull, 0x3fefffffffffffffull, 0x3ff8000000000000ull,
  0x4000000000000000ull, 0x3ca0000000000000ull, 0x3ca0000000000001ull, 0x7fefffffffffffffull,
  0x7fe0000000000000ull, 0x7ff0000000000000ull, 0x7ff8000000000000ull, 0x4330000000000000ull,
  0x43e0000000000000ull, 0x41e0000000000000ull, 0x3fb999999999999aull, 0x1ff0000000000000ull,
  0x5ff0000000000000ull, 0x3fe0000000000000ull, 0x3fdfffffffffffffull, 0x0018000000000000ull,
};
static const uint64_t EDGE_S[] = {
  0x00000000, 0x80000000, 0x00000001, 0x00000002, 0x007fffff, 0x00400000, 0x00800000, 0x00800001,
  0x3f800000, 0x3f800001, 0x3f7fffff, 0x3fc00000, 0x40000000, 0x33800000, 0x33800001, 0x7f7fffff,
  0x7f000000, 0x7f800000, 0x7fc00000, 0x4b000000, 0x5f000000, 0x4f000000, 0x3dcccccd, 0x1f800000,
  0x5f800000, 0x3f000000, 0x3effffff, 0x00c00000,
};
#define NEDGE_D (sizeof EDGE_D / sizeof EDGE_D[0])
#define NEDGE_S (sizeof EDGE_S / sizeof EDGE_S[0])

/* Mantissa with only the top k bits random (k in 1..53), so products/sums can be exact or ties. */
static uint64_t shortmant(int bits) {
  int k = 1 + (int)rndn(bits);
  uint64_t m = rnd() & ((1ull << bits) - 1);
  if (k < bits) m &= ~((1ull << (bits - k)) - 1);
  return m;
}

/* A random binary64 of class cls around exponent centre ce (biased). */
static uint64_t rnd_d(int ce, int spread) {
  int s = (int)(rnd() & 1);
  switch (rndn(8)) {
  case 0: return rnd();                                                   /* anything */
  case 1: return EDGE_D[rndn(NEDGE_D)] ^ ((uint64_t)s << 63);
  case 2: return mkd(s, 0, rnd());                                        /* subnormal */
  case 3: case 4: { int e = ce + (int)rndn(2 * spread + 1) - spread; if (e < 1) e = 1; if (e > 2046) e = 2046; return mkd(s, e, shortmant(52)); }
  default: { int e = ce + (int)rndn(2 * spread + 1) - spread; if (e < 1) e = 1; if (e > 2046) e = 2046; return mkd(s, e, rnd()); }
  }
}
static uint64_t rnd_s(int ce, int spread) {
  int s = (int)(rnd() & 1);
  switch (rndn(8)) {
  case 0: return rnd() & 0xffffffff;
  case 1: return EDGE_S[rndn(NEDGE_S)] ^ ((uint64_t)s << 31);
  case 2: return mks(s, 0, rnd());
  case 3: case 4: { int e = ce + (int)rndn(2 * spread + 1) - spread; if (e < 1) e = 1; if (e > 254) e = 254; return mks(s, e, shortmant(23)); }
  default: { int e = ce + (int)rndn(2 * spread + 1) - spread; if (e < 1) e = 1; if (e > 254) e = 254; return mks(s, e, rnd()); }
  }
}
static int isnan_bits(uint64_t b, int dbl) {
  return dbl ? ((b & 0x7ff0000000000000ull) == 0x7ff0000000000000ull && (b & 0xfffffffffffffull))
             : ((b & 0x7f800000) == 0x7f800000 && (b & 0x7fffff));
}
/* Only quiet NaNs as inputs: signalling-NaN policy belongs to the arch. */
static uint64_t quiet(uint64_t b, int dbl) {
  if (isnan_bits(b, dbl)) return dbl ? (b | 0x0008000000000000ull) : (b | 0x00400000);
  return b;
}

/* ---------------------------------------------------------------------------------------- */

static void emit(opfn f, int nargs, char rk, const char *ak, uint64_t a, uint64_t b, uint64_t c, int is_cvt) {
  const char *fmt1 = 0;
  for (int i = 0; i < nargs; i++) {
    uint64_t v = i == 0 ? a : i == 1 ? b : c;
    char k = ak[i];
    fmt1 = (k == 'd' || k == 'l' || k == 'L') ? "%016llx " : (k == 'h') ? "%04llx " : "%08llx ";
    printf(fmt1, (unsigned long long)v);
  }
  for (int m = 0; m < 4; m++) {
    fesetround(MODES[m]);
    feclearexcept(FE_ALL_EXCEPT);
    uint64_t r = f(a, b, c);
    int fl = is_cvt ? cvt_flags : flags_now();
    fesetround(FE_TONEAREST);
    const char *fr = (rk == 'd' || rk == 'l' || rk == 'L') ? "%016llx:%x" : (rk == 'h') ? "%04llx:%x" : "%08llx:%x";
    printf(fr, (unsigned long long)r, fl);
    putchar(m == 3 ? '\n' : ' ');
  }
}

typedef struct { const char *name; opfn f; const char *args; char res; int cvt; int nrand; int ce; int spread; } OpDesc;

static void gen_float_op(const OpDesc *o) {
  int dbl = o->args[0] == 'd';
  int nargs = (int)strlen(o->args);
  const uint64_t *edge = dbl ? EDGE_D : EDGE_S;
  int ne = dbl ? (int)NEDGE_D : (int)NEDGE_S;
  printf("@%s %s %c\n", o->name, o->args, o->res);
  if (nargs == 1) {
    for (int i = 0; i < ne; i++) {
      emit(o->f, 1, o->res, o->args, edge[i], 0, 0, o->cvt);
      emit(o->f, 1, o->res, o->args, edge[i] ^ (dbl ? 0x8000000000000000ull : 0x80000000ull), 0, 0, o->cvt);
    }
  } else if (nargs == 2) {
    for (int i = 0; i < ne; i += 1)
      for (int j = 0; j < ne; j += 1) {
        if ((i * 7 + j * 3) % 2) continue; /* half of the edge square, keeps the file small */
        uint64_t sb = (uint64_t)((i + j) & 1) << (dbl ? 63 : 31);
        emit(o->f, 2, o->res, o->args, edge[i], edge[j] ^ sb, 0, o->cvt);
      }
  } else {
    for (int i = 0; i < 300; i++)
      emit(o->f, 3, o->res, o->args, edge[rndn(ne)] ^ ((rnd() & 1) << (dbl ? 63 : 31)), edge[rndn(ne)] ^ ((rnd() & 1) << (dbl ? 63 : 31)),
           edge[rndn(ne)] ^ ((rnd() & 1) << (dbl ? 63 : 31)), o->cvt);
  }
  for (int i = 0; i < o->nrand * scale; i++) {
    uint64_t a = quiet(dbl ? rnd_d(o->ce, o->spread) : rnd_s(o->ce, o->spread), dbl);
    uint64_t b = quiet(dbl ? rnd_d(o->ce, o->spread) : rnd_s(o->ce, o->spread), dbl);
    uint64_t c = quiet(dbl ? rnd_d(o->ce, o->spread) : rnd_s(o->ce, o->spread), dbl);
    int sel = (int)rndn(6);
    if (nargs == 2 && sel == 0) { /* close exponents: cancellation, ties */
      b = dbl ? mkd((int)(rnd() & 1), (int)((a >> 52) & 0x7ff), shortmant(52)) : mks((int)(rnd() & 1), (int)((a >> 23) & 0xff), shortmant(23));
      b = quiet(b, dbl);
    }
    if (nargs == 2 && sel == 1) { /* exponent gap around the precision: sticky and halfway cases */
      int p = dbl ? 53 : 24;
      int ea = dbl ? (int)((a >> 52) & 0x7ff) : (int)((a >> 23) & 0xff);
      int eb = ea - p + (int)rndn(5) - 2;
      if (eb < 0) eb = 0;
      b = dbl ? mkd((int)(rnd() & 1), eb, shortmant(52)) : mks((int)(rnd() & 1), eb, shortmant(23));
      b = quiet(b, dbl);
    }
    if (nargs == 1 && sel <= 3) { a &= dbl ? ~0x8000000000000000ull : ~0x80000000ull; } /* mostly positive (sqrt) */
    if (nargs == 2 && sel == 2 && (o->name[4] == 'm' || o->name[4] == 'd')) {
      /* result near the underflow or overflow threshold: b = T/a (mul) or a = T*b (div), T = min normal or max */
      int big = (int)(rnd() & 1);
      double t = dbl ? (big ? 0x1.fffffffffffffp1023 : 0x1p-1022) : (big ? 0x1.fffffep127 : 0x1p-126);
      int dv = o->name[4] == 'd';
      double x = dbl ? d_of(mkd(0, dv ? 1022 : 1023, rnd())) : (double)s_of(mks(0, dv ? 126 : 127, rnd()));
      double y = dv ? t * x : t / x;
      if (dbl) { uint64_t yb = b_of_d(y) + rndn(5) - 2; a = b_of_d(x); b = yb; if (o->name[4] == 'd') { a = yb; b = b_of_d(x); } }
      else { uint64_t yb = b_of_s((float)y) + rndn(5) - 2; a = b_of_s((float)x); b = yb; if (o->name[4] == 'd') { a = yb; b = b_of_s((float)x); } }
      if (rnd() & 1) a ^= dbl ? 0x8000000000000000ull : 0x80000000ull;
    }
    if (nargs == 3 && sel == 3) { /* c = -+min normal, a*b tiny: result near the underflow threshold */
      double t = dbl ? 0x1p-1022 : 0x1p-126;
      double x = dbl ? d_of(mkd(0, 1023, rnd())) : (double)s_of(mks(0, 127, rnd()));
      double y = t * 0x1p-20 / x;
      a = dbl ? b_of_d(x) : b_of_s((float)x);
      b = dbl ? b_of_d(y) + rndn(3) : b_of_s((float)y) + rndn(3);
      c = dbl ? b_of_d(rnd() & 1 ? t : -t) : b_of_s((float)(rnd() & 1 ? t : -t));
      if (rnd() & 1) b ^= dbl ? 0x8000000000000000ull : 0x80000000ull;
    }
    if (nargs == 3 && sel <= 1) { /* c close to -(a*b): cancellation; product exact but sum rounds */
      if (dbl) { double p = d_of(a) * d_of(b); uint64_t pb = b_of_d(-p); c = quiet(pb ^ (rnd() & 0xff), 1); }
      else { double p = (double)s_of(a) * (double)s_of(b); float pf = (float)(-p); c = quiet(b_of_s(pf) ^ (rnd() & 0xff), 0); }
    }
    if (nargs == 3 && sel == 2) { /* short mantissas: exact product */
      a = dbl ? mkd((int)(rnd() & 1), 1023 + (int)rndn(40) - 20, shortmant(52) & 0xfffffc0000000ull) : mks((int)(rnd() & 1), 127 + (int)rndn(20) - 10, shortmant(23) & 0x7ff000);
      b = dbl ? mkd((int)(rnd() & 1), 1023 + (int)rndn(40) - 20, shortmant(52) & 0xfffffc0000000ull) : mks((int)(rnd() & 1), 127 + (int)rndn(20) - 10, shortmant(23) & 0x7ff000);
    }
    emit(o->f, nargs, o->res, o->args, quiet(a, dbl), quiet(b, dbl), quiet(c, dbl), o->cvt);
  }
}

static uint64_t rnd_int(char k) {
  int w = (int)rndn(65);
  uint64_t v = w == 64 ? rnd() : (rnd() & ((1ull << w) - 1));
  if ((k == 'l' || k == 'i') && (rnd() & 1)) v = -v;
  if (k == 'i' || k == 'I') v &= 0xffffffffull;
  return v;
}

static void gen_int_op(const OpDesc *o) {
  static const uint64_t edge[] = { 0, 1, 2, 3, 0xffffffffffffffffull, 0x7fffffffffffffffull, 0x8000000000000000ull,
    0x7fffffff, 0x80000000ull, 0xffffffffull, 0xffffff80000000ull, 0x1000001, 0xffffff, 0x1000003, 0x20000000000001ull,
    0x20000000000003ull, 0x1fffffffffffffull, 0xfffffffffffff800ull, 0xfffffffffffffc00ull, 0x7ffffffffffffdffull,
    0xffffffff7fffffffull, 0xffffffff80000000ull, 0xfffffffffeffffffull, 0x7fffff80ull, 0x7fffffc0ull, 0xffffff80ull };
  printf("@%s %s %c\n", o->name, o->args, o->res);
  char k = o->args[0];
  for (unsigned i = 0; i < sizeof edge / sizeof edge[0]; i++) {
    uint64_t v = edge[i];
    if (k == 'i' || k == 'I') v &= 0xffffffffull;
    emit(o->f, 1, o->res, o->args, v, 0, 0, 0);
  }
  for (int i = 0; i < o->nrand * scale; i++) emit(o->f, 1, o->res, o->args, rnd_int(k), 0, 0, 0);
}

/* Float inputs for float-to-integer conversions and round-to-integral. */
static void gen_toint_op(const OpDesc *o) {
  int dbl = o->args[0] == 'd';
  printf("@%s %s %c\n", o->name, o->args, o->res);
  static const double ed[] = { 0.0, -0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.5, 3.5, -0.25, -0.5, -0.75, -1.0, -1.5, -2.5,
    2147483647.0, 2147483647.5, 2147483647.25, 2147483648.0, 2147483648.5, -2147483648.0, -2147483648.5, -2147483648.75,
    -2147483649.0, 4294967295.0, 4294967295.5, 4294967295.25, 4294967296.0, 4294967296.5, 9223372036854775808.0,
    9223372036854774784.0, -9223372036854775808.0, -9223372036854777856.0, 18446744073709551616.0,
    18446744073709549568.0, 4503599627370495.5, 4503599627370496.0, 9007199254740993.0, 8388607.5, 8388608.0, 16777217.0,
    1e-310, -1e-310, INFINITY, -INFINITY, NAN, 1e300, -1e300 };
  for (unsigned i = 0; i < sizeof ed / sizeof ed[0]; i++) {
    uint64_t a = dbl ? b_of_d(ed[i]) : b_of_s((float)ed[i]);
    emit(o->f, 1, o->res, o->args, a, 0, 0, o->cvt);
  }
  for (int i = 0; i < o->nrand * scale; i++) {
    uint64_t a;
    int sel = (int)rndn(4);
    if (sel == 0) a = dbl ? rnd_d(1023, 70) : rnd_s(127, 70);
    else {
      /* integer of random width plus a fraction in quarters */
      int w = (int)rndn(66);
      double v = (double)(w >= 64 ? rnd() : (rnd() & ((1ull << w) - 1)));
      v = ldexp(v, sel == 1 ? 0 : -(int)rndn(4));
      if (rnd() & 1) v = -v;
      a = dbl ? b_of_d(v) : b_of_s((float)v);
    }
    emit(o->f, 1, o->res, o->args, quiet(a, dbl), 0, 0, o->cvt);
  }
}

static void gen_f16(void) {
  printf("@f32_to_f16 s h\n");
  static const float ef[] = { 0.0f, -0.0f, 1.0f, 65504.0f, 65519.99f, 65520.0f, 65535.0f, 65536.0f, 1e10f, 6.103515625e-05f,
    6.0975551605224609375e-05f, 5.9604644775390625e-08f, 2.98023223876953125e-08f, 2.98023259404e-08f, 1e-10f, 1.00048828125f,
    1.000732421875f, 1.0001f, 3.1415926f, INFINITY, -INFINITY, NAN, 6.1035156e-05f, 6.100535e-05f, 6.1005353927612305e-05f };
  for (unsigned i = 0; i < sizeof ef / sizeof ef[0]; i++) {
    emit(f32_to_f16, 1, 'h', "s", b_of_s(ef[i]), 0, 0, 0);
    emit(f32_to_f16, 1, 'h', "s", b_of_s(-ef[i]), 0, 0, 0);
  }
  for (int i = 0; i < 1200 * scale; i++) emit(f32_to_f16, 1, 'h', "s", quiet(rnd_s(127, 18), 0), 0, 0, 0);
  printf("@f16_to_f32 h s\n");
  for (uint64_t h = 0; h < 0x10000; h += 1 + rndn(60))
    if (!((h & 0x7c00) == 0x7c00 && (h & 0x3ff))) emit(f16_to_f32, 1, 's', "h", h, 0, 0, 0);
}

int main(int argc, char **argv) {
  /* optional: seed and a multiplier of the random counts, for one-off stress runs */
  if (argc > 1) rng ^= strtoull(argv[1], 0, 0) * 0x2545f4914f6cdd1dull;
  if (argc > 2) scale = atoi(argv[2]);
  printf("# softfloat vectors: generated by scripts/gen-softfloat-vectors.c on x86-64 SSE/glibc; do not edit.\n");
  printf("# line: args... then result:flags for frm 0 (RNE) 1 (RTZ) 2 (RDN) 3 (RUP); flags NX=1 UF=2 OF=4 DZ=8 NV=10\n");
  static const OpDesc fops[] = {
    { "f64_add", f64_add, "dd", 'd', 0, 900, 1023, 60 },
    { "f64_sub", f64_sub, "dd", 'd', 0, 500, 1023, 60 },
    { "f64_mul", f64_mul, "dd", 'd', 0, 600, 1023, 520 },
    { "f64_div", f64_div, "dd", 'd', 0, 600, 1023, 520 },
    { "f64_sqrt", f64_sqrt, "d", 'd', 0, 700, 1023, 1023 },
    { "f64_fma", f64_fma, "ddd", 'd', 0, 900, 1023, 300 },
    { "f32_add", f32_add, "ss", 's', 0, 900, 127, 30 },
    { "f32_sub", f32_sub, "ss", 's', 0, 500, 127, 30 },
    { "f32_mul", f32_mul, "ss", 's', 0, 600, 127, 70 },
    { "f32_div", f32_div, "ss", 's', 0, 600, 127, 70 },
    { "f32_sqrt", f32_sqrt, "s", 's', 0, 700, 127, 127 },
    { "f32_fma", f32_fma, "sss", 's', 0, 900, 127, 40 },
    { "f64_to_f32", f64_to_f32, "d", 's', 0, 1200, 1023, 140 },
  };
  for (unsigned i = 0; i < sizeof fops / sizeof fops[0]; i++) gen_float_op(&fops[i]);
  static const OpDesc iops[] = {
    { "i64_to_f64", i64_to_f64, "l", 'd', 0, 700, 0, 0 },
    { "u64_to_f64", u64_to_f64, "L", 'd', 0, 700, 0, 0 },
    { "i64_to_f32", i64_to_f32, "l", 's', 0, 700, 0, 0 },
    { "u64_to_f32", u64_to_f32, "L", 's', 0, 700, 0, 0 },
    { "i32_to_f32", i32_to_f32, "i", 's', 0, 700, 0, 0 },
    { "u32_to_f32", u32_to_f32, "I", 's', 0, 700, 0, 0 },
  };
  for (unsigned i = 0; i < sizeof iops / sizeof iops[0]; i++) gen_int_op(&iops[i]);
  static const OpDesc tops[] = {
    { "f64_to_i32", f64_to_i32, "d", 'i', 1, 700, 0, 0 },
    { "f64_to_u32", f64_to_u32, "d", 'I', 1, 700, 0, 0 },
    { "f64_to_i64", f64_to_i64, "d", 'l', 1, 700, 0, 0 },
    { "f64_to_u64", f64_to_u64, "d", 'L', 1, 700, 0, 0 },
    { "f32_to_i32", f32_to_i32, "s", 'i', 1, 700, 0, 0 },
    { "f32_to_u32", f32_to_u32, "s", 'I', 1, 700, 0, 0 },
    { "f32_to_i64", f32_to_i64, "s", 'l', 1, 700, 0, 0 },
    { "f32_to_u64", f32_to_u64, "s", 'L', 1, 700, 0, 0 },
    { "f64_rint", f64_rint, "d", 'd', 0, 600, 0, 0 },
    { "f64_nearbyint", f64_nearbyint, "d", 'd', 0, 600, 0, 0 },
    { "f32_rint", f32_rint, "s", 's', 0, 600, 0, 0 },
    { "f32_nearbyint", f32_nearbyint, "s", 's', 0, 600, 0, 0 },
  };
  for (unsigned i = 0; i < sizeof tops / sizeof tops[0]; i++) gen_toint_op(&tops[i]);
  gen_f16();
  return 0;
}
