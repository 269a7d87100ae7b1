// io/stdio_vtables.h — putting green's read and write into the vtables of
// fd-backed stdio FILEs (io/hooks_stdio.cpp says why and how).
#pragma once

#include <stdio.h>

namespace green::interpose {

// install_stdio_hooks: replace the read/write slots of glibc's vtables for
// fopen/fdopen/stdin/stdout/stderr FILEs (narrow and wide). Idempotent;
// leaves a vtable whose slots are not glibc's known functions alone.
void install_stdio_hooks() noexcept;
// install_stdio_hooks(fp): the same for the vtable `fp` uses (popen's FILEs
// have their own). Null is ignored.
void install_stdio_hooks(FILE* fp) noexcept;

}  // namespace green::interpose
