// gate/patch.cpp — green/patch.h over the interposer's switch (gate.h).
#include "green/patch.h"

#include "gate/gate.h"
#include "io/stdio_vtables.h"

namespace green {

void patch_all() noexcept {
  interpose::install_stdio_hooks();
  interpose::set_enabled(true);
}
void unpatch_all() noexcept { interpose::set_enabled(false); }
bool patched() noexcept { return interpose::enabled(); }

}  // namespace green
