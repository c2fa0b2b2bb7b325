#include "cpu_features.h"

#if defined(__x86_64__)
#include <cpuid.h>
#if defined(__linux__)
#include <sys/syscall.h>
#include <unistd.h>
#endif
#endif

namespace tf {

bool isa_supported(Isa isa) {
  switch (isa) {
    case Isa::Generic: return true;
#if defined(__x86_64__)
    // __builtin_cpu_supports also checks OS support for the wider register state (XCR0).
    case Isa::Avx2: return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case Isa::Avx512:
      return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
             __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
             __builtin_cpu_supports("fma");
#endif
    default: return false;
  }
}

Isa detect_isa() {
#if defined(__x86_64__)
  __builtin_cpu_init();
#endif
  if (isa_supported(Isa::Avx512)) return Isa::Avx512;
  if (isa_supported(Isa::Avx2)) return Isa::Avx2;
  return Isa::Generic;
}

namespace {
#if defined(__x86_64__)
bool amx_probe() {
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return false;
  const bool tile = d & (1u << 24), bf16 = d & (1u << 22);
  unsigned a1 = 0, b1 = 0, c1 = 0, d1 = 0;
  if (!tile || !bf16 || !__get_cpuid(1, &a1, &b1, &c1, &d1) || !(c1 & (1u << 27))) return false;  // OSXSAVE
  unsigned lo = 0, hi = 0;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  constexpr unsigned kTileCfg = 1u << 17, kTileData = 1u << 18;
  if ((lo & (kTileCfg | kTileData)) != (kTileCfg | kTileData)) return false;
#if defined(__linux__)
  // NOTE: Linux keeps tile data off until a process asks (kernel 5.16+); the request fails
  // on older kernels and where a thread's sigaltstack is too small for the larger state.
  constexpr long kGetPerm = 0x1022, kReqPerm = 0x1023, kXtileData = 18;
  if (syscall(SYS_arch_prctl, kReqPerm, kXtileData) != 0) return false;
  unsigned long perm = 0;
  return syscall(SYS_arch_prctl, kGetPerm, &perm) == 0 && (perm & (1ul << kXtileData));
#else
  return false;
#endif
}
#endif
}  // namespace

bool amx_bf16_usable() {
#if defined(__x86_64__)
  static const bool ok = amx_probe();
  return ok;
#else
  return false;
#endif
}

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::Avx512: return "avx512";
    case Isa::Avx2: return "avx2";
    default: return "generic";
  }
}

}  // namespace tf
