#pragma once
#include "tensorforge/view.h"

namespace tf {
// The best ISA this CPU (and OS) supports.
Isa detect_isa();
bool isa_supported(Isa isa);
const char* isa_name(Isa isa);
// Whether this process may run AMX-BF16 tile instructions: CPUID reports AMX-TILE and
// AMX-BF16, the OS enabled the tile state (XCR0 bits 17, 18), and Linux granted this process
// the tile data (arch_prctl ARCH_REQ_XCOMP_PERM, asked once, on the first call; the grant
// covers every thread of the process). False elsewhere.
bool amx_bf16_usable();
}  // namespace tf
