#pragma once
#include "tensorforge/view.h"

namespace tf {
// The best ISA this CPU (and OS) supports.
Isa detect_isa();
bool isa_supported(Isa isa);
const char* isa_name(Isa isa);
}  // namespace tf
